import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant } from "../../testing/factories";
import { revokeExpiredGrants } from "../../jobs/expiry";
import { actionsSince, DAY, expectUnchanged, HOUR, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

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

/** An ACTIVE grant of the low-risk entitlement ending in two days (the scene, written directly). */
async function heldGrant(identityId: string, entitlementId = c.low.id) {
  return makeGrant(db.prisma, identityId, entitlementId, { origin: "REQUEST", expiresAt: new Date(c.clock.now().getTime() + 2 * DAY + 5 * HOUR) });
}

describe("one-click extension (/requests/new?extend=<grantId>)", () => {
  it("prefills the form for the holder's own grant, then submits an extension while the access is held", async () => {
    const g = await heldGrant(c.employee.id);
    const x = await c.as.employee.requests.extension({ grantId: g.id });
    expect(x).toMatchObject({ grantId: g.id, inEffect: true, daysLeft: 2, expired: false, blocked: null, pendingRequestId: null, beneficiary: { id: c.employee.id, isMe: true }, entitlement: { id: c.low.id, name: "read-reports" } });

    const out = await c.as.employee.requests.submit(submitInput(c.low.id, { beneficiaryId: x.beneficiary.id, extendsGrantId: g.id }));
    expect(out.status).toBe("PENDING");
    const req = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id } });
    expect(req.extendsGrantId).toBe(g.id);
    const submitted = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: out.id } });
    expect(submitted.payload).toMatchObject({ extendsGrantId: g.id });
    // The form now points at the pending request instead of offering a second one.
    expect((await c.as.employee.requests.extension({ grantId: g.id })).pendingRequestId).toBe(out.id);

    // Final approval: a new grant starting where the old one ends (continuous access), for the approved duration.
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const step = out.stages[0]!;
    const decided = await c.as.manager.approvals.decide({ requestId: out.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1 });
    expect(decided.status).toBe("APPROVED");
    const grant = await db.prisma.grant.findUniqueOrThrow({ where: { id: decided.grantId! } });
    expect(grant).toMatchObject({ identityId: c.employee.id, entitlementId: c.low.id, status: "PENDING_PROVISION", requestId: out.id, startsAt: g.expiresAt });
    expect(grant.expiresAt!.getTime() - g.expiresAt!.getTime()).toBe(72 * HOUR);
    expect(await actionsSince(db.prisma, eventsBefore)).toEqual(["approval.approved", "grant.provisioning_requested", "request.approved"]);
    for (const action of ["grant.provisioning_requested", "request.approved"]) {
      const e = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action, OR: [{ subjectId: out.id }, { subjectId: grant.id }] } });
      expect(e.payload).toMatchObject({ extendsGrantId: g.id });
    }
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).status).toBe("ACTIVE");
  });

  it("at the old grant's end: waits while the extension is being provisioned, then retires it without removing the access", async () => {
    const g = await heldGrant(c.peer.id);
    const out = await c.as.peer.requests.submit(submitInput(c.low.id, { extendsGrantId: g.id }));
    const decided = await c.as.manager.approvals.decide({ requestId: out.id, stepId: out.stages[0]!.id, decision: "APPROVE", expectedRevision: 1 });
    const after = new Date(g.expiresAt!.getTime() + 1000);

    // The extension is still being provisioned: the old grant is not expired under it.
    await revokeExpiredGrants(db.prisma, after);
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).status).toBe("ACTIVE");

    // Once the extension is active, the old grant is retired with no REVOKE task: the access continues.
    await db.prisma.grant.update({ where: { id: decided.grantId! }, data: { status: "ACTIVE" } });
    const eventsBefore = await db.prisma.ledgerEvent.count();
    await revokeExpiredGrants(db.prisma, after);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({ status: "REVOKED", revocationCause: "EXPIRY" });
    expect(await db.prisma.provisioningTask.count({ where: { grantId: g.id, action: "REVOKE" } })).toBe(0);
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: decided.grantId! } })).status).toBe("ACTIVE");
    expect(await actionsSince(db.prisma, eventsBefore)).toEqual(["grant.expired"]);
    const expired = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "grant.expired", subjectId: g.id } });
    expect(expired.payload).toMatchObject({ continuedByGrantId: decided.grantId, extensionRequestId: out.id });
  });

  it("refuses to extend someone else's grant (prefill NOT_FOUND, submit BAD_REQUEST) and changes nothing", async () => {
    const g = await heldGrant(c.peer.id, c.medium.id);
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.employee.requests.extension({ grantId: g.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.as.employee.requests.submit(submitInput(c.medium.id, { extendsGrantId: g.id }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // Nor can the holder name it in a request for someone else (a colleague the policy would let them ask for).
    await expect(c.as.peer.requests.submit(submitInput(c.medium.id, { beneficiaryId: c.employee.id, extendsGrantId: g.id }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("must be a grant held by the identity you are requesting for"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses to extend a grant for another entitlement, and changes nothing", async () => {
    const g = await heldGrant(c.employee.id, c.medium.id);
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.employee.requests.submit(submitInput(c.critical.id, { extendsGrantId: g.id }))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/same entitlement/) });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses to extend a revoked grant (the form says so and offers a new request) and changes nothing", async () => {
    const g = await heldGrant(c.employee.id, c.critical.id);
    await db.prisma.grant.update({ where: { id: g.id }, data: { status: "REVOKED", revokedAt: c.clock.now(), revocationCause: "MANUAL" } });
    before = await lifecycleSnapshot(db.prisma);
    const x = await c.as.employee.requests.extension({ grantId: g.id });
    expect(x).toMatchObject({ inEffect: false, blocked: expect.stringMatching(/no longer in effect/) });
    await expect(c.as.employee.requests.submit(submitInput(c.critical.id, { extendsGrantId: g.id }))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/no longer in effect/) });
    await expectUnchanged(db.prisma, before);
  });

  it("extends a grant held by a non-human identity the requester owns", async () => {
    const g = await heldGrant(c.nhi.id, c.medium.id);
    const x = await c.as.employee.requests.extension({ grantId: g.id });
    expect(x.beneficiary).toMatchObject({ id: c.nhi.id, isMe: false, displayName: "svc-settlement" });
    const out = await c.as.employee.requests.submit(submitInput(c.medium.id, { beneficiaryId: c.nhi.id, extendsGrantId: g.id }));
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id } })).extendsGrantId).toBe(g.id);
    await c.as.employee.requests.cancel({ id: out.id, expectedRevision: 1 });
  });
});
