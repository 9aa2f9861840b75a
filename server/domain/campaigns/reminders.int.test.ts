import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { notifyOverdueCampaigns, sendScheduledReminders } from "../../jobs/campaigns";
import { campaignCast, campaignSnapshot, codeOf, DAY, eventsSince, expectUnchanged, grantAndItem, makeCampaign, type Cast } from "./campaign-test-kit";
import { dueReminderDay } from "./reminders";

let db: TestDb;
let cast: Cast;

beforeAll(async () => {
  db = await createTestDb();
  cast = await campaignCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const campaign = (o: Partial<Parameters<typeof makeCampaign>[1]> = {}) => makeCampaign(db.prisma, { ownerId: cast.owner.id, fallbackReviewerId: cast.fallback.id, systemIds: [cast.system.id], ...o });

/** Two undecided items for `reviewer`, one for `reviewer2`, one decided for `fallback` (not reminded). */
async function population(campaignId: string) {
  const a = await grantAndItem(db.prisma, campaignId, cast.employee.id, cast.entitlement.id, cast.reviewer.id);
  const b = await grantAndItem(db.prisma, campaignId, cast.holder.id, cast.entitlement.id, cast.reviewer.id);
  const c = await grantAndItem(db.prisma, campaignId, cast.employee.id, cast.privileged.id, cast.reviewer2.id);
  const d = await grantAndItem(db.prisma, campaignId, cast.holder.id, cast.privileged.id, cast.fallback.id, { decision: "KEEP", comment: "needed for on-call" });
  return { a, b, c, d };
}

const reminders = (campaignId: string) => db.prisma.notification.findMany({ where: { kind: "campaign.reminder", link: `/campaigns/${campaignId}` }, orderBy: { recipientId: "asc" } });

describe("reminders sent by the campaign's manager", () => {
  it("notifies each reviewer with undecided items once, with their count, stamps those items, and records campaign.reminded", async () => {
    const c = await campaign();
    const p = await population(c.id);
    const now = new Date();
    const before = await db.prisma.ledgerEvent.count();
    expect(await cast.as(cast.owner.id, () => now).campaignOps.remind({ campaignId: c.id })).toEqual({ reminded: 2, items: 3 });
    const notes = await reminders(c.id);
    expect(notes.map((n) => n.recipientId).sort()).toEqual([cast.reviewer.id, cast.reviewer2.id].sort());
    expect(notes.find((n) => n.recipientId === cast.reviewer.id)!.body).toMatch(/^You have 2 undecided access review items/);
    expect(notes.find((n) => n.recipientId === cast.reviewer2.id)!.body).toMatch(/^You have 1 undecided access review item in/);
    for (const x of [p.a, p.b, p.c]) expect(await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: x.item.id } })).toMatchObject({ lastRemindedAt: now, version: 1 });
    expect((await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: p.d.item.id } })).lastRemindedAt).toBeNull();
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.reminded"]);
    expect(events[0]).toMatchObject({ subjectId: c.id, actorId: cast.owner.id });
    expect(events[0]!.payload).toMatchObject({ reviewers: 2, items: 3, manual: true });
    // An admin may send them too (a manual reminder is not deduplicated).
    expect(await cast.as(cast.admin.id).campaignOps.remind({ campaignId: c.id })).toEqual({ reminded: 2, items: 3 });
    expect(await reminders(c.id)).toHaveLength(4);
  });

  it("only the owner or an admin; auditors, reviewers and security are refused (FORBIDDEN), employees and other system owners do not see it (NOT_FOUND), and nothing changes; closed campaigns are a CONFLICT", async () => {
    const c = await campaign();
    await population(c.id);
    const before = await campaignSnapshot(db.prisma);
    for (const who of [cast.auditor, cast.reviewer, cast.security]) {
      expect(await codeOf(cast.as(who.id).campaignOps.remind({ campaignId: c.id }))).toBe("FORBIDDEN");
    }
    for (const who of [cast.employee, cast.otherOwner]) {
      expect(await codeOf(cast.as(who.id).campaignOps.remind({ campaignId: c.id }))).toBe("NOT_FOUND");
    }
    expect(await codeOf(cast.as(null).campaignOps.remind({ campaignId: c.id }))).toBe("UNAUTHORIZED");
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.remind({ campaignId: "x" }))).toBe("BAD_REQUEST");
    await expectUnchanged(db.prisma, before);
    const closed = await campaign({ status: "CLOSED" });
    const before2 = await campaignSnapshot(db.prisma);
    expect(await codeOf(cast.as(cast.owner.id).campaignOps.remind({ campaignId: closed.id }))).toBe("CONFLICT");
    await expectUnchanged(db.prisma, before2);
  });
});

describe("extending the due date", () => {
  it("moves it later, with campaign.due_extended", async () => {
    const c = await campaign();
    const to = new Date(c.dueAt.getTime() + 5 * DAY);
    const before = await db.prisma.ledgerEvent.count();
    const res = await cast.as(cast.owner.id).campaignOps.extendDue({ campaignId: c.id, dueAt: to });
    expect(res).toMatchObject({ id: c.id, dueAt: to, status: "ACTIVE" });
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.due_extended"]);
    expect(events[0]!.payload).toEqual({ from: c.dueAt.toISOString(), to: to.toISOString() });
  });

  it("refuses an earlier or past date (BAD_REQUEST), a closed campaign (CONFLICT), and anyone but the owner or an admin (FORBIDDEN; NOT_FOUND for those who do not see the campaign), changing nothing", async () => {
    const c = await campaign({ dueAt: new Date(Date.now() - DAY) });
    const closed = await campaign({ status: "REMEDIATING" });
    const before = await campaignSnapshot(db.prisma);
    const owner = cast.as(cast.owner.id);
    expect(await codeOf(owner.campaignOps.extendDue({ campaignId: c.id, dueAt: new Date(Date.now() - 3_600_000) }))).toBe("BAD_REQUEST");
    expect(await codeOf(owner.campaignOps.extendDue({ campaignId: c.id, dueAt: new Date(c.dueAt.getTime() - DAY) }))).toBe("BAD_REQUEST");
    expect(await codeOf(owner.campaignOps.extendDue({ campaignId: c.id, dueAt: "not a date" as never }))).toBe("BAD_REQUEST");
    expect(await codeOf(owner.campaignOps.extendDue({ campaignId: closed.id, dueAt: new Date(closed.dueAt.getTime() + DAY) }))).toBe("CONFLICT");
    // This campaign has no items: the reviewer reviews nothing in it, so to them it does not exist either.
    for (const [who, code] of [[cast.auditor, "FORBIDDEN"], [cast.reviewer, "NOT_FOUND"], [cast.otherOwner, "NOT_FOUND"], [cast.employee, "NOT_FOUND"]] as const) {
      expect(await codeOf(cast.as(who.id).campaignOps.extendDue({ campaignId: c.id, dueAt: new Date(Date.now() + 30 * DAY) }))).toBe(code);
    }
    await expectUnchanged(db.prisma, before);
  });
});

describe("scheduled reminders and overdue escalation (background worker)", () => {
  it("picks the latest passed reminder day, none before launch or after the due date", () => {
    const now = new Date("2030-01-20T00:00:00Z");
    const c = { dueAt: new Date("2030-01-25T00:00:00Z"), reminderDays: [7, 3, 1], launchedAt: new Date("2030-01-10T00:00:00Z"), startsAt: new Date("2030-01-10T00:00:00Z") };
    expect(dueReminderDay(c, now)).toBe(7);
    expect(dueReminderDay(c, new Date("2030-01-22T00:00:00Z"))).toBe(3);
    expect(dueReminderDay(c, new Date("2030-01-24T12:00:00Z"))).toBe(1);
    expect(dueReminderDay(c, new Date("2030-01-25T00:00:00Z"))).toBeNull();
    expect(dueReminderDay(c, new Date("2030-01-17T00:00:00Z"))).toBeNull();
    expect(dueReminderDay({ ...c, launchedAt: new Date("2030-01-19T00:00:00Z") }, now)).toBeNull();
  });

  it("reminds once per scheduled day per reviewer: running the job twice sends nothing new; the next scheduled day sends again", async () => {
    const launchedAt = new Date("2031-03-01T08:00:00Z");
    const dueAt = new Date("2031-03-15T17:00:00Z");
    const c = await campaign({ startsAt: launchedAt, launchedAt, dueAt, reminderDays: [7, 3] });
    const p = await population(c.id);

    expect((await sendScheduledReminders(db.prisma, new Date("2031-03-05T00:00:00Z"))).processed).toBe(0);
    expect(await reminders(c.id)).toHaveLength(0);

    const day7 = new Date("2031-03-08T18:00:00Z");
    const before = await db.prisma.ledgerEvent.count();
    expect(await sendScheduledReminders(db.prisma, day7)).toEqual({ processed: 1 });
    expect(await sendScheduledReminders(db.prisma, day7)).toEqual({ processed: 0 });
    expect(await sendScheduledReminders(db.prisma, new Date("2031-03-09T18:00:00Z"))).toEqual({ processed: 0 });
    expect((await reminders(c.id)).map((n) => n.recipientId).sort()).toEqual([cast.reviewer.id, cast.reviewer2.id].sort());
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.reminded"]);
    expect(events[0]).toMatchObject({ actorId: null, subjectId: c.id });
    expect(events[0]!.payload).toMatchObject({ reviewers: 2, items: 3, manual: false, daysBefore: 7 });
    expect((await db.prisma.reviewItem.findUniqueOrThrow({ where: { id: p.a.item.id } })).lastRemindedAt).toEqual(day7);

    // reviewer2 decides; at the 3-days-before point only reviewer is reminded, once.
    await db.prisma.reviewItem.update({ where: { id: p.c.item.id }, data: { decision: "KEEP", decidedAt: day7, decidedById: cast.reviewer2.id } });
    const day3 = new Date("2031-03-12T18:00:00Z");
    expect(await sendScheduledReminders(db.prisma, day3)).toEqual({ processed: 1 });
    expect(await sendScheduledReminders(db.prisma, day3)).toEqual({ processed: 0 });
    const notes = await reminders(c.id);
    expect(notes.filter((n) => n.recipientId === cast.reviewer.id)).toHaveLength(2);
    expect(notes.filter((n) => n.recipientId === cast.reviewer2.id)).toHaveLength(1);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "campaign.reminded", subjectId: c.id } })).toBe(2);
  });

  it("past the due date: the owner and the fallback reviewer are told once (campaign.overdue once); an extended due date that passes again is a new overdue", async () => {
    const dueAt = new Date("2032-06-30T17:00:00Z");
    const c = await campaign({ startsAt: new Date("2032-06-01T00:00:00Z"), dueAt, reminderDays: [] });
    await population(c.id);
    // (Earlier tests' campaigns are overdue by now: this first run tells their owners; not this one yet.)
    await notifyOverdueCampaigns(db.prisma, new Date("2032-06-30T16:00:00Z"));
    expect(await db.prisma.notification.count({ where: { kind: "campaign.overdue", link: `/campaigns/${c.id}` } })).toBe(0);
    const late = new Date("2032-06-30T18:00:00Z");
    const before = await db.prisma.ledgerEvent.count();
    expect(await notifyOverdueCampaigns(db.prisma, late)).toEqual({ processed: 1 });
    expect(await notifyOverdueCampaigns(db.prisma, late)).toEqual({ processed: 0 });
    expect(await notifyOverdueCampaigns(db.prisma, new Date("2032-07-02T00:00:00Z"))).toEqual({ processed: 0 });
    const notes = await db.prisma.notification.findMany({ where: { kind: "campaign.overdue", link: `/campaigns/${c.id}` } });
    expect(notes.map((n) => n.recipientId).sort()).toEqual([cast.owner.id, cast.fallback.id].sort());
    expect(notes[0]!.body).toMatch(/3 items are still undecided \(2 reviewers\)/);
    const events = await eventsSince(db.prisma, before);
    expect(events.map((e) => e.action)).toEqual(["campaign.overdue"]);
    expect(events[0]!.payload).toMatchObject({ undecided: 3, reviewers: 2 });

    const newDue = new Date("2032-07-10T17:00:00Z");
    await cast.as(cast.owner.id, () => late).campaignOps.extendDue({ campaignId: c.id, dueAt: newDue });
    expect(await notifyOverdueCampaigns(db.prisma, new Date("2032-07-05T00:00:00Z"))).toEqual({ processed: 0 });
    expect(await notifyOverdueCampaigns(db.prisma, new Date("2032-07-11T00:00:00Z"))).toEqual({ processed: 1 });
    expect(await db.prisma.ledgerEvent.count({ where: { action: "campaign.overdue", subjectId: c.id } })).toBe(2);

    // Closed campaigns are not chased.
    await cast.as(cast.owner.id, () => new Date("2032-07-11T01:00:00Z")).campaignOps.close({ campaignId: c.id });
    expect(await notifyOverdueCampaigns(db.prisma, new Date("2032-08-01T00:00:00Z"))).toEqual({ processed: 0 });
  });
});
