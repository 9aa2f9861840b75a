/**
 * Requesting what one already holds is caught at submit, before any approver sees it: CONFLICT with what is
 * held and until when, and nothing written (no request, no stage, no notification, no ledger event).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant } from "../../testing/factories";
import { expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type LifecycleSnapshot, type RequestCast } from "./request-test-kit";

let db: TestDb;
let c: RequestCast;
let before: LifecycleSnapshot;

beforeAll(async () => {
  db = await createTestDb();
  await db.prisma.identity.count();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await lifecycleSnapshot(db.prisma);
});

describe("requests.submit: already held", () => {
  it("refuses a request for access the requester holds (with its end date), and writes nothing", async () => {
    const until = new Date("2026-04-01T12:00:00.000Z");
    await makeGrant(db.prisma, c.peer.id, c.low.id, { expiresAt: until });
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.peer.requests.submit(submitInput(c.low.id))).rejects.toMatchObject({
      code: "CONFLICT",
      message: "You already have read-reports until 1 Apr 2026, 12:00 UTC. Extend it instead of requesting it again.",
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses access held with no end date, and access still being set up", async () => {
    await makeGrant(db.prisma, c.director.id, c.medium.id, { expiresAt: null });
    const pending = await makeGrant(db.prisma, c.director.id, c.low.id, { expiresAt: new Date("2026-05-01T00:00:00.000Z") });
    await db.prisma.grant.update({ where: { id: pending.id }, data: { status: "PENDING_PROVISION" } });
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.director.requests.submit(submitInput(c.medium.id))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("with no end date") });
    await expect(c.as.director.requests.submit(submitInput(c.low.id))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("being set up") });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses it for a non-human identity the requester owns that holds it", async () => {
    await makeGrant(db.prisma, c.nhi.id, c.medium.id, { expiresAt: new Date("2026-06-01T00:00:00.000Z") });
    before = await lifecycleSnapshot(db.prisma);
    await expect(c.as.employee.requests.submit(submitInput(c.medium.id, { beneficiaryId: c.nhi.id }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/^svc-settlement already has write-batches until/),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("still lets the holder extend it, and request it again once it is revoked", async () => {
    const g = await makeGrant(db.prisma, c.security2.id, c.low.id, { expiresAt: new Date("2026-03-20T00:00:00.000Z") });
    const ext = await c.as.security2.requests.submit(submitInput(c.low.id, { extendsGrantId: g.id }));
    expect(ext.status).toBe("PENDING");
    await c.as.security2.requests.cancel({ id: ext.id, expectedRevision: 1 });
    await db.prisma.grant.update({ where: { id: g.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
    expect((await c.as.security2.requests.submit(submitInput(c.low.id))).status).toBe("PENDING");
  });
});
