import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { actionsSince, DAY, expectUnchanged, HOUR, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "../requests/request-test-kit";

let db: TestDb;
let c: RequestCast;
let before: LifecycleSnapshot;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await lifecycleSnapshot(db.prisma);
});

const openStep = async (requestId: string) => (await db.prisma.approvalStep.findMany({ where: { requestId, status: "OPEN" } }))[0]!;
const at = (ms: number) => new Date(c.clock.now().getTime() + ms);

describe("delegations", () => {
  it("lets a delegate decide within the window, recording the delegation in the authority", async () => {
    const d = await c.as.manager.delegations.create({ toId: c.director.id, startsAt: at(-HOUR), endsAt: at(5 * DAY), reason: "On leave this week" });
    expect(await actionsSince(db.prisma, before.events)).toEqual(["delegation.created"]);
    expect(await db.prisma.notification.count({ where: { recipientId: c.director.id, kind: "delegation.created" } })).toBe(1);
    const mine = await c.as.manager.delegations.mine();
    expect(mine.given).toMatchObject([{ id: d.id, state: "ACTIVE", to: { id: c.director.id } }]);
    expect((await c.as.director.delegations.mine()).received).toMatchObject([{ id: d.id }]);

    const r = await c.as.employee.requests.submit(submitInput(c.low.id));
    // The delegate is told about the stage, sees it in their inbox (on behalf of the manager) and can see the request.
    expect(r.stages[0]!.delegates).toMatchObject([{ id: c.director.id, forId: c.manager.id }]);
    const inbox = await c.as.director.approvals.inbox({});
    expect(inbox.rows).toMatchObject([{ requestId: r.id, onBehalfOf: [{ id: c.manager.id }] }]);
    const out = await c.as.director.approvals.decide({ requestId: r.id, stepId: (await openStep(r.id)).id, decision: "APPROVE", expectedRevision: 1 });
    expect(out.status).toBe("APPROVED");
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: r.id } });
    expect(step.decidedById).toBe(c.director.id);
    expect(step.authority).toEqual({
      kind: "MANAGER_OF",
      subject: { id: c.employee.id, name: "Priya Employee" },
      via: { delegatedBy: { id: c.manager.id, name: "Marcus Manager" }, window: { from: d.startsAt.toISOString(), to: d.endsAt.toISOString() }, delegationId: d.id },
    });
    await c.as.manager.delegations.revoke({ id: d.id });
  });

  it("does not let a delegate decide outside the window or after revocation; nothing changes", async () => {
    const r = await c.as.peer.requests.submit(submitInput(c.low.id));
    const stepId = (await openStep(r.id)).id;
    const future = await c.as.manager.delegations.create({ toId: c.owner.id, startsAt: at(DAY), endsAt: at(3 * DAY), reason: "Next week off" });
    const revoked = await c.as.manager.delegations.create({ toId: c.entOwner.id, startsAt: at(-HOUR), endsAt: at(DAY), reason: "Conference" });
    await c.as.manager.delegations.revoke({ id: revoked.id });
    before = await lifecycleSnapshot(db.prisma);
    // (The system owner may see the request, as its entitlement's owner, but is not an approver of the manager stage.)
    await expect(c.as.owner.approvals.decide({ requestId: r.id, stepId, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("nor an active delegate") });
    await expect(c.as.entOwner.approvals.decide({ requestId: r.id, stepId, decision: "APPROVE", expectedRevision: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
    expect(future.id).toBeTruthy();
  });

  it("refuses bad delegations and revoking someone else's; nothing changes", async () => {
    const nhi = c.nhi.id;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ toId: c.manager.id, startsAt: at(0), endsAt: at(DAY), reason: "Out of office" }, "BAD_REQUEST", /to yourself/],
      [{ toId: c.director.id, startsAt: at(0), endsAt: at(91 * DAY), reason: "Sabbatical" }, "BAD_REQUEST", /at most 90 days/],
      [{ toId: c.director.id, startsAt: at(DAY), endsAt: at(0), reason: "Backwards" }, "BAD_REQUEST", /endsAt: must be after the start/],
      [{ toId: c.director.id, startsAt: at(-3 * DAY), endsAt: at(-DAY), reason: "In the past" }, "BAD_REQUEST", /already be over/],
      [{ toId: nhi, startsAt: at(0), endsAt: at(DAY), reason: "To a bot" }, "BAD_REQUEST", /non-human identity/],
      [{ toId: c.director.id, startsAt: at(0), endsAt: at(DAY), reason: "no" }, "BAD_REQUEST", /reason: must be at least 5/],
    ];
    for (const [input, code, message] of cases) {
      await expect(c.as.manager.delegations.create(input as never)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    await expect(c.as.auditor.delegations.create({ toId: c.director.id, startsAt: at(0), endsAt: at(DAY), reason: "Out of office" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const mine = (await c.as.manager.delegations.mine()).given.find((d) => d.state !== "REVOKED")!;
    await expect(c.as.owner.delegations.revoke({ id: mine.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.as.peer.delegations.revoke({ id: mine.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectUnchanged(db.prisma, before);
  });
});
