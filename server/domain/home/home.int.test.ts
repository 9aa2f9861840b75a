import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { makeCampaign, makeItem } from "../campaigns/campaign-test-kit";
import { DAY, HOUR, requestCast, submitInput, type RequestCast } from "../requests/request-test-kit";
import { accessByRisk, CHART_WEEKS, requestsOverTime, unverifiedOverTime } from "./charts";
import { homeScope } from "./scope";
import { loadActor } from "../actor";
import { orgFigureComputations, stateVersion } from "./org-figures";

/**
 * The home page's figures, checked against the rows each scene creates: what waits for whom, what expires
 * (and its one-click extension), and every chart's numbers, for people who read all access and for people
 * who must see only their part of it. Each scene has its own database, so no figure depends on another.
 */

const TEST_ENGINE = process.env.TEST_PG_ADMIN_URL ? "PostgreSQL" : "PGlite";

async function scene() {
  const db = await createTestDb();
  // Open the embedded database before the first transaction: on a busy machine, loading it can take longer
  // than a transaction may wait to start.
  await db.prisma.$queryRaw`SELECT 1`;
  const c = await requestCast(db.prisma);
  return { db, c, NOW: c.clock.now() };
}

/** The Monday 00:00 UTC starting each chart week, oldest first (the clock's week last). */
function weekStarts(now: Date): string[] {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return Array.from({ length: CHART_WEEKS }, (_, i) => new Date(d.getTime() - (CHART_WEEKS - 1 - i) * 7 * DAY).toISOString().slice(0, 10));
}

/** A pending request through the router, then placed in time (createdAt, the open stage's opening). */
async function placedRequest(t: { db: TestDb; c: RequestCast }, who: keyof RequestCast["as"], entitlementId: string, at: { createdAt: Date; openedAt?: Date }) {
  const out = await t.c.as[who].requests.submit(submitInput(entitlementId));
  await t.db.prisma.accessRequest.update({ where: { id: out.id }, data: { createdAt: at.createdAt } });
  if (at.openedAt) await t.db.prisma.approvalStep.updateMany({ where: { requestId: out.id, status: "OPEN" }, data: { openedAt: at.openedAt } });
  return out.id;
}

/** Decided through the router by the manager (the request's one open stage), then placed in time. */
async function decided(t: { db: TestDb; c: RequestCast }, id: string, status: "APPROVED" | "DENIED", decidedAt: Date) {
  const step = await t.db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: id, status: "OPEN" } });
  const out = await t.c.as.manager.approvals.decide({ requestId: id, stepId: step.id, decision: status === "APPROVED" ? "APPROVE" : "DENY", reason: "Decided for the home page scene", expectedRevision: 1 });
  expect(out.status).toBe(status);
  await t.db.prisma.accessRequest.update({ where: { id }, data: { decidedAt } });
}

describe(`home: requests over time and approval ageing (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  const week = (s: string) => weekStarts(t.NOW).indexOf(s);
  beforeAll(async () => {
    t = await scene();
    const { c, NOW } = t;
    // The clock is Monday 2026-03-02 09:00 UTC: this week starts 03-02, the last two 02-23 and 02-16.
    const r1 = await placedRequest(t, "employee", c.low.id, { createdAt: new Date(NOW.getTime() - 7 * DAY) });
    await decided(t, r1, "APPROVED", new Date(NOW.getTime() - 6 * DAY));
    const r2 = await placedRequest(t, "employee", c.medium.id, { createdAt: new Date(NOW.getTime() - 14 * DAY) });
    await decided(t, r2, "DENIED", new Date(NOW.getTime() - HOUR));
    // Sofia is not Marcus's report: hers is outside his figures. Pending, its stage open for two days.
    await placedRequest(t, "owner", c.low.id, { createdAt: new Date(NOW.getTime() - HOUR), openedAt: new Date(NOW.getTime() - 2 * DAY) });
    // Pete is Marcus's report: pending ten days, in Marcus's inbox.
    await placedRequest(t, "peer", c.medium.id, { createdAt: new Date(NOW.getTime() - 10 * DAY), openedAt: new Date(NOW.getTime() - 10 * DAY) });
    // Before the window: counted nowhere.
    const old = await placedRequest(t, "peer", c.low.id, { createdAt: new Date(NOW.getTime() - 200 * DAY) });
    await decided(t, old, "APPROVED", new Date(NOW.getTime() - 199 * DAY));
  });
  afterAll(async () => t.db.close());

  it("counts submissions and decisions per week over the whole organisation for an admin (12 weeks, empty weeks as zeros)", async () => {
    const s = await t.c.as.admin.home.summary();
    const rows = s.charts.requests!;
    expect(rows.map((r) => r.week)).toEqual(weekStarts(t.NOW));
    const expected = weekStarts(t.NOW).map((w) => ({ week: w, submitted: 0, approved: 0, denied: 0 }));
    // Employee's medium (02-16) and Pete's (02-20); employee's low (02-23), approved the next day.
    expected[week("2026-02-16")] = { week: "2026-02-16", submitted: 2, approved: 0, denied: 0 };
    expected[week("2026-02-23")] = { week: "2026-02-23", submitted: 1, approved: 1, denied: 0 };
    expected[week("2026-03-02")] = { week: "2026-03-02", submitted: 1, approved: 0, denied: 1 };
    expect(rows).toEqual(expected);
  });

  it("gives a manager the figures of their reports' requests only, never the organisation's", async () => {
    const s = await t.c.as.manager.home.summary();
    const rows = s.charts.requests!;
    expect(rows[week("2026-02-16")]).toEqual({ week: "2026-02-16", submitted: 2, approved: 0, denied: 0 });
    expect(rows[week("2026-02-23")]).toEqual({ week: "2026-02-23", submitted: 1, approved: 1, denied: 0 });
    // Sofia's request of this week is not his to see.
    expect(rows[week("2026-03-02")]).toEqual({ week: "2026-03-02", submitted: 0, approved: 0, denied: 1 });
    expect(s.org).toBeNull();
  });

  it("gives an employee with no reports and nothing owned no dashboard, and counts their open requests", async () => {
    const s = await t.c.as.employee.home.summary();
    expect(s.charts).toMatchObject({ requests: null, risk: null, burndown: null, unverified: null, findings: null });
    expect(s.work).toMatchObject({ approvals: 0, openRequests: 0, tasks: null, openFindings: null });
    const p = await t.c.as.peer.home.summary();
    expect(p.work.openRequests).toBe(1);
  });

  it("ages open stages: the whole organisation for security, the person's own inbox for a manager (whose count it is)", async () => {
    const sec = await t.c.as.security.home.summary();
    expect(sec.charts.ageingScope).toBe("all");
    expect(sec.charts.ageing).toEqual([
      { bucket: "Under 1 day", count: 0 },
      { bucket: "1–3 days", count: 1 },
      { bucket: "3–7 days", count: 0 },
      { bucket: "Over 7 days", count: 1 },
    ]);
    const m = await t.c.as.manager.home.summary();
    expect(m.charts.ageingScope).toBe("mine");
    expect(m.charts.ageing!.map((b) => b.count)).toEqual([0, 0, 0, 1]);
    expect(m.work.approvals).toBe(1);
    // The director decides Sofia's stage: one in the inbox, aged 1–3 days.
    const d = await t.c.as.director.home.summary();
    expect(d.work.approvals).toBe(1);
    expect(d.charts.ageing!.map((b) => b.count)).toEqual([0, 1, 0, 0]);
  });
});

describe(`home: approval ageing at the edges of its buckets (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    t = await scene();
    const { c, NOW } = t;
    const opened = (ms: number) => ({ createdAt: new Date(NOW.getTime() - 10 * DAY), openedAt: new Date(NOW.getTime() - ms) });
    await placedRequest(t, "employee", c.low.id, opened(DAY)); // exactly a day: 1–3 days
    await placedRequest(t, "employee", c.medium.id, opened(DAY - 1)); // a millisecond less: under a day
    await placedRequest(t, "peer", c.low.id, opened(3 * DAY)); // exactly three days: 3–7 days
    await placedRequest(t, "peer", c.medium.id, opened(7 * DAY - 1)); // a millisecond under a week: 3–7 days
    await placedRequest(t, "owner", c.low.id, opened(7 * DAY)); // exactly a week: over 7 days
  });
  afterAll(async () => t.db.close());

  it("puts a stage opened exactly on an edge in the older bucket, a millisecond later in the newer one", async () => {
    const sec = await t.c.as.security.home.summary();
    expect(sec.charts.ageing!.map((b) => [b.bucket, b.count])).toEqual([["Under 1 day", 1], ["1–3 days", 1], ["3–7 days", 2], ["Over 7 days", 1]]);
  });
});

describe(`home: access by risk and origin-unverified access over time (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  type G = { identityId: string; entitlementId: string; startsAt: Date; revokedAt?: Date; requestId?: string };
  const scenes: G[] = [];
  beforeAll(async () => {
    t = await scene();
    const { db, c, NOW } = t;
    const ago = (d: number) => new Date(NOW.getTime() - d * DAY);
    const r1 = await placedRequest(t, "employee", c.low.id, { createdAt: ago(7) });
    await decided(t, r1, "APPROVED", ago(6));
    const other = await makeSystem(db.prisma, c.admin.id, { name: "HR Portal" });
    const hr = await makeEntitlement(db.prisma, other.id, { name: "hr-edit", risk: "MEDIUM" });
    scenes.push(
      { identityId: c.employee.id, entitlementId: c.low.id, startsAt: ago(6), requestId: r1 }, // verified, LOW
      { identityId: c.peer.id, entitlementId: c.low.id, startsAt: ago(30) }, // unverified, LOW
      { identityId: c.loner.id, entitlementId: c.critical.id, startsAt: ago(100), revokedAt: ago(20) }, // revoked: not active now
      { identityId: c.director.id, entitlementId: c.high.id, startsAt: ago(5) }, // unverified, HIGH (owned by Otto)
      { identityId: c.loner.id, entitlementId: hr.id, startsAt: ago(40) }, // unverified, MEDIUM, another system
    );
    for (const g of scenes) {
      if (g.requestId) {
        // The approval made this grant (PENDING_PROVISION): provisioned a day later.
        await db.prisma.grant.update({ where: { requestId: g.requestId }, data: { status: "ACTIVE", startsAt: g.startsAt } });
        continue;
      }
      const row = await makeGrant(db.prisma, g.identityId, g.entitlementId, { expiresAt: null, origin: g.requestId ? "REQUEST" : "IMPORTED" });
      await db.prisma.grant.update({
        where: { id: row.id },
        data: { startsAt: g.startsAt, requestId: g.requestId ?? null, ...(g.revokedAt ? { status: "REVOKED", revokedAt: g.revokedAt, revocationCause: "MANUAL" } : {}) },
      });
    }
  });
  afterAll(async () => t.db.close());

  it("splits active grants by risk and origin over the organisation for an auditor", async () => {
    const s = await t.c.as.auditor.home.summary();
    expect(s.charts.risk).toEqual([
      { risk: "LOW", verified: 1, unverified: 1 },
      { risk: "MEDIUM", verified: 0, unverified: 1 },
      { risk: "HIGH", verified: 0, unverified: 1 },
      { risk: "CRITICAL", verified: 0, unverified: 0 },
    ]);
    expect(s.org).toMatchObject({ activeGrants: { value: 4, capped: false }, unverifiedGrants: { value: 3, capped: false } });
  });

  it("limits a manager to their reports' access and an owner to the access to what they own", async () => {
    const m = await t.c.as.manager.home.summary();
    expect(m.charts.risk!.map((r) => [r.risk, r.verified, r.unverified])).toEqual([["LOW", 1, 1], ["MEDIUM", 0, 0], ["HIGH", 0, 0], ["CRITICAL", 0, 0]]);
    // Sofia owns Payments Ledger, but db-admin has an owner of its own (Otto): hers are the LOW grants.
    const o = await t.c.as.owner.home.summary();
    expect(o.charts.risk!.map((r) => [r.risk, r.verified, r.unverified])).toEqual([["LOW", 1, 1], ["MEDIUM", 0, 0], ["HIGH", 0, 0], ["CRITICAL", 0, 0]]);
    const e = await t.c.as.entOwner.home.summary();
    expect(e.charts.risk!.map((r) => [r.risk, r.verified, r.unverified])).toEqual([["LOW", 0, 0], ["MEDIUM", 0, 0], ["HIGH", 0, 1], ["CRITICAL", 0, 0]]);
    expect(e.owned).toMatchObject({ entitlementCount: 1, entitlements: [{ name: "db-admin", holders: 1 }] });
  });

  it("gives the same figures whether a person's part is resolved to ids or kept as a join (past SCOPE_IDS_MAX)", async () => {
    const { c, db, NOW } = t;
    for (const who of [c.manager, c.owner, c.entOwner, c.employee]) {
      const ctx = { db: db.prisma, actor: (await loadActor(db.prisma, who.id))!, now: () => NOW };
      const ids = await homeScope(ctx);
      if (ids.all) throw new Error("a person's scope");
      expect(ids.people).toContain(who.id);
      const joined = { ...ids, people: null, entitlements: null };
      for (const chart of [accessByRisk, unverifiedOverTime, requestsOverTime] as const) {
        expect(await chart(ctx, joined)).toEqual(await chart(ctx, ids));
      }
    }
    // The lists are what the rule says: Marcus's reports and himself; Otto's one entitlement.
    const m = await homeScope({ db: db.prisma, actor: (await loadActor(db.prisma, c.manager.id))!, now: () => NOW });
    const reports = await db.prisma.identity.findMany({ where: { OR: [{ managerId: c.manager.id }, { ownerId: c.manager.id }] }, select: { id: true } });
    expect(!m.all && [...m.people!].sort()).toEqual([c.manager.id, ...reports.map((r) => r.id)].sort());
    const o = await homeScope({ db: db.prisma, actor: (await loadActor(db.prisma, c.entOwner.id))!, now: () => NOW });
    expect(!o.all && o.entitlements).toEqual([c.high.id]);
  });

  it("counts origin-unverified access held at the end of each week (now for this week)", async () => {
    const held = (at: Date, gs: G[]) => gs.filter((g) => !g.requestId && g.startsAt <= at && (!g.revokedAt || g.revokedAt > at)).length;
    const expected = (gs: G[]) =>
      weekStarts(t.NOW).map((w) => {
        const end = Math.min(new Date(`${w}T00:00:00Z`).getTime() + 7 * DAY, t.NOW.getTime());
        return { week: w, count: held(new Date(end), gs) };
      });
    const s = await t.c.as.security.home.summary();
    expect(s.charts.unverified).toEqual(expected(scenes));
    // The figures move: four weeks ago, three grants (loner's critical still held); now three again (director's new one).
    expect(s.charts.unverified!.map((x) => x.count)).toContain(2);
    const o = await t.c.as.owner.home.summary();
    expect(o.charts.unverified).toEqual(expected(scenes.filter((g) => g.entitlementId === t.c.low.id || g.entitlementId === t.c.critical.id)));
    // A manager (owning nothing) gets no unverified-access chart.
    expect((await t.c.as.manager.home.summary()).charts.unverified).toBeNull();
  });
});

describe(`home: origin-unverified access over time at the edges of the weeks (${TEST_ENGINE})`, () => {
  it("counts each week end as the definition says: started by then, not revoked by then (edges, future and odd dates)", async () => {
    const t = await scene();
    try {
      const { db, c, NOW } = t;
      const weekEnd = (k: number) => new Date(new Date(`${weekStarts(NOW)[k]}T00:00:00Z`).getTime() + 7 * DAY);
      const ms = (d: Date, n: number) => new Date(d.getTime() + n);
      type E = { startsAt: Date; revokedAt?: Date };
      const cases: E[] = [
        { startsAt: weekEnd(0) }, // starts exactly at the first week's end: held from that point
        { startsAt: ms(weekEnd(0), 1) }, // a millisecond later: from the next point
        { startsAt: new Date(NOW.getTime() - 400 * DAY) }, // before the window, still held
        { startsAt: new Date(NOW.getTime() - 400 * DAY), revokedAt: new Date(NOW.getTime() - 300 * DAY) }, // gone before the window
        { startsAt: new Date(NOW.getTime() - 400 * DAY), revokedAt: weekEnd(3) }, // revoked exactly at a week end: not held then
        { startsAt: new Date(NOW.getTime() - 400 * DAY), revokedAt: ms(weekEnd(3), 1) }, // a millisecond later: held then
        { startsAt: weekEnd(2), revokedAt: weekEnd(2) }, // revoked the moment it started
        { startsAt: weekEnd(6), revokedAt: weekEnd(4) }, // revoked before it started: never held
        { startsAt: new Date(NOW.getTime() + DAY) }, // starts in the future
        { startsAt: new Date(NOW.getTime() - 20 * DAY), revokedAt: new Date(NOW.getTime() + DAY) }, // to be revoked tomorrow
        { startsAt: NOW }, // starts now: held at the current point
        { startsAt: new Date(NOW.getTime() - 50 * DAY), revokedAt: NOW }, // revoked now: not held at the current point
      ];
      for (const [n, g] of cases.entries()) {
        const who = await makeHuman(db.prisma, { name: `Edge ${n}` });
        const row = await makeGrant(db.prisma, who.id, c.low.id, { expiresAt: null, origin: "IMPORTED" });
        await db.prisma.grant.update({ where: { id: row.id }, data: { startsAt: g.startsAt, ...(g.revokedAt ? { status: "REVOKED", revokedAt: g.revokedAt, revocationCause: "MANUAL" } : {}) } });
      }
      const held = (at: Date) => cases.filter((g) => g.startsAt <= at && (!g.revokedAt || g.revokedAt > at)).length;
      const expected = weekStarts(NOW).map((w, k) => ({ week: w, count: held(k === CHART_WEEKS - 1 ? NOW : weekEnd(k)) }));
      expect((await c.as.security.home.summary()).charts.unverified).toEqual(expected);
      expect(new Set(expected.map((e) => e.count)).size, "the series moves").toBeGreaterThan(1);
    } finally {
      await t.db.close();
    }
  });
});

describe(`home: work waiting, findings, tasks and campaign burndown (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  let campaignId: string;
  beforeAll(async () => {
    t = await scene();
    const { db, c, NOW } = t;
    const p = db.prisma;
    const campaign = await makeCampaign(p, { ownerId: c.admin.id, fallbackReviewerId: c.admin.id, startsAt: new Date(NOW.getTime() - 3 * DAY), launchedAt: new Date(NOW.getTime() - 3 * DAY), dueAt: new Date(NOW.getTime() + 10 * DAY), name: "Q1 review" });
    campaignId = campaign.id;
    const holders = [c.employee, c.peer, c.director, c.loner];
    const decisions = [new Date(NOW.getTime() - 2 * DAY), new Date(NOW.getTime() - HOUR), undefined, undefined];
    for (const [i, h] of holders.entries()) {
      const g = await makeGrant(p, h.id, c.low.id);
      await makeItem(p, campaign.id, g.id, c.manager.id, decisions[i] ? { decision: "KEEP", decidedAt: decisions[i] } : {});
    }
    // A closed campaign's items wait for no one.
    const closed = await makeCampaign(p, { ownerId: c.admin.id, fallbackReviewerId: c.admin.id, status: "CLOSED", dueAt: new Date(NOW.getTime() - DAY) });
    await makeItem(p, closed.id, (await makeGrant(p, c.peer.id, c.medium.id)).id, c.manager.id);

    await p.finding.createMany({
      data: [
        { kind: "NHI_OWNER_LEFT", subjectType: "Identity", subjectId: c.nhi.id },
        { kind: "PROVISIONING_FAILED", subjectType: "Grant", subjectId: "g-1" },
        { kind: "PROVISIONING_FAILED", subjectType: "Grant", subjectId: "g-2", status: "RESOLVED", resolvedAt: new Date(NOW.getTime() - DAY) },
        { kind: "CONNECTOR_TARGET_CHANGED", subjectType: "System", subjectId: c.system.id, status: "RESOLVED", resolvedAt: new Date(NOW.getTime() - 200 * DAY) },
      ],
    });
    // Tasks on Sofia's system: one manual confirmation awaited, one failure, one done (not waiting).
    const tg = await makeGrant(p, c.peer.id, c.medium.id);
    await p.provisioningTask.createMany({
      data: [
        { grantId: tg.id, action: "GRANT", connector: "MANUAL", status: "AWAITING_CONFIRMATION" },
        { grantId: tg.id, action: "REVOKE", connector: "WEBHOOK", status: "FAILED" },
        { grantId: tg.id, action: "GRANT", connector: "MANUAL", status: "DONE" },
      ],
    });
  });
  afterAll(async () => t.db.close());

  it("counts a reviewer's undecided items in active campaigns only", async () => {
    expect((await t.c.as.manager.home.summary()).work.reviewItems).toBe(2);
    expect((await t.c.as.employee.home.summary()).work.reviewItems).toBe(0);
  });

  it("counts open findings for security, admins and auditors, and charts them by kind (resolved in the window)", async () => {
    for (const who of ["security", "admin", "auditor"] as const) {
      const s = await t.c.as[who].home.summary();
      expect(s.work.openFindings).toBe(2);
      expect(s.charts.findings).toEqual([
        { kind: "NHI_OWNER_LEFT", open: 1, resolved: 0 },
        { kind: "PROVISIONING_FAILED", open: 1, resolved: 1 },
      ]);
    }
    const m = await t.c.as.manager.home.summary();
    expect(m.work.openFindings).toBeNull();
    expect(m.charts.findings).toBeNull();
  });

  it("counts the tasks an owner can act on (awaiting confirmation, failed), none for an employee or an auditor", async () => {
    expect((await t.c.as.owner.home.summary()).work.tasks).toEqual({ awaiting: 1, failed: 1 });
    expect((await t.c.as.admin.home.summary()).work.tasks).toEqual({ awaiting: 1, failed: 1 });
    expect((await t.c.as.employee.home.summary()).work.tasks).toBeNull();
    expect((await t.c.as.auditor.home.summary()).work.tasks).toBeNull();
  });

  it("burns down a campaign's undecided items day by day since launch, for those who may see it", async () => {
    const s = await t.c.as.admin.home.summary();
    expect(s.charts.burndown).toEqual([
      {
        campaignId,
        name: "Q1 review",
        dueAt: expect.any(Date),
        total: 4,
        points: [
          { day: "2026-02-27", remaining: 4 },
          { day: "2026-02-28", remaining: 3 },
          { day: "2026-03-01", remaining: 3 },
          { day: "2026-03-02", remaining: 2 },
        ],
      },
    ]);
    // Sofia owns a system but not this campaign: no burndown of it.
    expect((await t.c.as.owner.home.summary()).charts.burndown).toEqual([]);
  });
});

describe(`home: what expires soon, and its one-click extension (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    t = await scene();
  });
  afterAll(async () => t.db.close());

  it("lists my and my NHIs' access expiring within 14 days, and Extend submits an extension request through the policy", async () => {
    const { db, c, NOW } = t;
    const p = db.prisma;
    const grant = async (identityId: string, entitlementId: string, startDaysAgo: number, expiresInDays: number) => {
      const g = await makeGrant(p, identityId, entitlementId, { origin: "REQUEST", expiresAt: new Date(NOW.getTime() + expiresInDays * DAY) });
      return p.grant.update({ where: { id: g.id }, data: { startsAt: new Date(NOW.getTime() - startDaysAgo * DAY) } });
    };
    const mine = await grant(c.employee.id, c.low.id, 5, 2);
    const nhis = await grant(c.nhi.id, c.medium.id, 1, 1); // ran 2 days: extends by 2 days
    await grant(c.employee.id, c.medium.id, 5, 20); // not soon
    await grant(c.peer.id, c.low.id, 5, 2); // not mine

    const s = await c.as.employee.home.summary();
    expect(s.expiringSoon).toEqual([
      expect.objectContaining({ id: nhis.id, holder: expect.objectContaining({ id: c.nhi.id, isMe: false }), entitlement: "write-batches", extendHours: 48, pendingRequestId: null }),
      // As long again as it ran (7 days), within read-reports' 90-day maximum.
      expect.objectContaining({ id: mine.id, holder: expect.objectContaining({ id: c.employee.id, isMe: true }), entitlement: "read-reports", extendHours: 168, pendingRequestId: null }),
    ]);
    expect(s.owned).toMatchObject({ nhiCount: 1, nhis: [{ id: c.nhi.id }] });

    // What the Extend button sends: the requests router's submit, with the grant it extends.
    const item = s.expiringSoon[1]!;
    const out = await c.as.employee.requests.submit({
      entitlementId: item.entitlementId,
      beneficiaryId: item.holder.id,
      justification: `Extension of ${item.entitlement} on ${item.system}, expiring soon, from the home page`,
      durationHours: item.extendHours,
      extendsGrantId: item.id,
    });
    expect(out.status).toBe("PENDING");
    expect(await p.accessRequest.findUniqueOrThrow({ where: { id: out.id } })).toMatchObject({ extendsGrantId: mine.id, durationHours: 168, beneficiaryId: c.employee.id });
    const after = await c.as.employee.home.summary();
    expect(after.expiringSoon.find((g) => g.id === mine.id)!.pendingRequestId).toBe(out.id);
    expect(after.work.openRequests).toBe(1);
    // The manager now has it to decide.
    expect((await c.as.manager.home.summary()).work.approvals).toBe(1);
  });
});

describe(`home: the organisation's figures shared by views at once (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  const grants: string[] = [];
  beforeAll(async () => {
    t = await scene();
    const { db, c } = t;
    for (const [who, ent] of [[c.peer, c.low], [c.loner, c.high], [c.director, c.high]] as const) grants.push((await makeGrant(db.prisma, who.id, ent.id)).id);
  });
  afterAll(async () => t.db.close());

  const riskOf = (s: { charts: { risk: { risk: string; unverified: number }[] | null } }) => s.charts.risk!.map((r) => `${r.risk}:${r.unverified}`).join(" ");

  it("gives every admin, security officer and auditor viewing at once the figures each would have read alone", async () => {
    const { as } = t.c;
    const alone = await as.admin.home.summary();
    expect(riskOf(alone)).toBe("LOW:1 MEDIUM:0 HIGH:2 CRITICAL:0");
    expect(alone.org).toMatchObject({ activeGrants: { value: 3, capped: false }, unverifiedGrants: { value: 3, capped: false } });
    const before = orgFigureComputations(t.db.prisma);
    const views = await Promise.all([as.admin, as.security, as.auditor, as.admin, as.security].map((who) => who.home.summary()));
    for (const v of views) {
      expect(v.org).toEqual(alone.org);
      expect(v.charts).toEqual(alone.charts);
      expect(v.work.openFindings).toBe(alone.work.openFindings);
    }
    // At most one computation per view (how many joined depends on timing; shared-run.test.ts holds the rule).
    const ran = orgFigureComputations(t.db.prisma) - before;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(views.length);
    // A manager's home never reads the organisation's figures.
    const m = await as.manager.home.summary();
    expect(m.org).toBeNull();
    expect(orgFigureComputations(t.db.prisma) - before).toBe(ran);
  });

  it("shows a change to the views after it, at once: the change moved the version the views join on", async () => {
    const { as } = t.c;
    const version = await stateVersion({ db: t.db.prisma });
    await as.admin.home.summary();
    expect(await stateVersion({ db: t.db.prisma })).toBe(version); // reading changes nothing
    // Views in flight while the revocation commits, then views after it. They never join a computation of an
    // earlier version (shared-run.test.ts): the revocation's ledger event moved it.
    const during = Promise.all([as.auditor.home.summary(), as.security.home.summary()]);
    await as.admin.grants.revoke({ grantId: grants[1]!, reason: "No longer needed: shared-figures test" });
    expect(await stateVersion({ db: t.db.prisma })).not.toBe(version);
    const after = await Promise.all([as.auditor.home.summary(), as.admin.home.summary(), as.security.home.summary()]);
    await during;
    for (const v of after) {
      expect(riskOf(v)).toBe("LOW:1 MEDIUM:0 HIGH:1 CRITICAL:0");
      expect(v.org).toMatchObject({ activeGrants: { value: 2, capped: false }, unverifiedGrants: { value: 2, capped: false } });
    }
  });
});

describe(`home: what a person is to the organisation, read in one statement (${TEST_ENGINE})`, () => {
  let t: Awaited<ReturnType<typeof scene>>;
  beforeAll(async () => {
    t = await scene();
  });
  afterAll(async () => t.db.close());

  it("counts reports (not those who left), systems, entitlements and identities owned, and grants in effect, each as its rule says", async () => {
    const { db, c } = t;
    const p = db.prisma;
    const boss = await makeHuman(p, { name: "Bea Boss" });
    const asBoss = callerAs(p, boss.id, c.clock.now);
    const before = await asBoss.home.summary();
    // Someone with nothing: every figure zero, every list empty.
    expect([before.reports, before.myGrants, before.owned.systemCount, before.owned.entitlementCount, before.owned.nhiCount]).toEqual([0, 0, 0, 0, 0]);
    expect(before.owned).toMatchObject({ systems: [], entitlements: [], nhis: [] });

    await makeHuman(p, { name: "Rita Report", managerId: boss.id });
    await makeHuman(p, { name: "Sam Suspended", managerId: boss.id, status: "SUSPENDED" });
    await makeHuman(p, { name: "Lou Left", managerId: boss.id, status: "DEPROVISIONED" }); // not a report any more
    const sys = await makeSystem(p, boss.id, { name: "Boss Ledger" });
    await makeEntitlement(p, sys.id, { name: "boss-read" }); // hers: no owner of its own, on her system
    await makeEntitlement(p, sys.id, { name: "otto-write", ownerId: c.entOwner.id }); // on her system, but Otto's
    await makeEntitlement(p, c.system.id, { name: "boss-elsewhere", ownerId: boss.id }); // hers, on someone else's system
    const nhi = await makeNhi(p, boss.id, { name: "svc-boss" });
    for (const [status, n] of [["ACTIVE", 2], ["PENDING_REVOKE", 1], ["REVOKE_FAILED", 1], ["REVOKED", 1], ["PENDING_PROVISION", 1], ["PROVISION_FAILED", 1]] as const) {
      for (let i = 0; i < n; i++) {
        const g = await makeGrant(p, boss.id, c.low.id);
        await p.grant.update({ where: { id: g.id }, data: { status } });
      }
    }
    const soon = await makeGrant(p, nhi.id, c.medium.id, { expiresAt: new Date(c.clock.now().getTime() + 2 * DAY) });

    const s = await asBoss.home.summary();
    expect(s.reports).toBe(2);
    expect(s.myGrants).toBe(4); // active, being revoked, revocation failed: still in effect
    expect(s.owned.systemCount).toBe(1);
    expect(s.owned.systems).toEqual([{ id: sys.id, name: "Boss Ledger", entitlements: 2 }]);
    expect(s.owned.entitlementCount).toBe(2);
    expect(s.owned.entitlements.map((e) => e.name).sort()).toEqual(["boss-elsewhere", "boss-read"]);
    expect(s.owned).toMatchObject({ nhiCount: 1, nhis: [{ id: nhi.id }] });
    // Her non-human identity's grant expiring soon is hers to extend.
    expect(s.expiringSoon.map((g) => g.id)).toEqual([soon.id]);
    // Otto owns an entitlement on her system, not her system.
    const otto = await callerAs(p, c.entOwner.id, c.clock.now).home.summary();
    expect(otto.owned.entitlements.map((e) => e.name)).toContain("otto-write");
    expect(otto.owned.systems.map((x) => x.name)).not.toContain("Boss Ledger");
  });
});
