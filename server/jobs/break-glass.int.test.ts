import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../db";
import { createTestDb, type TestDb } from "../testing/db";
import { eventsSince, expectUnchanged, provisioningCast, provisioningSnapshot } from "../domain/provisioning/provisioning-test-kit";
import { escalateLateBreakGlassReviews } from "./break-glass";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;
let policyVersionId: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await createTestDb();
  cast = await provisioningCast(db.prisma);
  const text = "permit(principal, action, resource);";
  const pv = await db.prisma.policyVersion.create({ data: { version: 9001, text, sha256: createHash("sha256").update(text).digest("hex") } });
  policyVersionId = pv.id;
});
afterAll(async () => {
  await db.close();
});

/** An approved emergency request, written directly (the scene). */
async function breakGlass(prisma: PrismaClient, o: { requesterId: string; reviewDueAt: Date }) {
  return prisma.accessRequest.create({
    data: {
      requesterId: o.requesterId,
      beneficiaryId: o.requesterId,
      entitlementId: cast.entitlement.id,
      justification: "Production incident: payments failing",
      durationHours: 4,
      emergency: true,
      incidentRef: "INC-4242",
      status: "APPROVED",
      contentHash: "c".repeat(64),
      policyVersionId,
      policyHash: "p".repeat(64),
      policyDecision: { allowed: true },
      inputHash: "i".repeat(64),
      deadlineAt: new Date(Date.now() + 24 * HOUR),
      decidedAt: new Date(),
      reviewDueAt: o.reviewDueAt,
    },
  });
}

describe("break-glass follow-up", () => {
  it("escalates a review still missing after its due time once: finding, security and admins told, ledger", async () => {
    const now = new Date();
    const late = await breakGlass(db.prisma, { requesterId: cast.employee.id, reviewDueAt: new Date(now.getTime() - 1000) });
    const onTime = await breakGlass(db.prisma, { requesterId: cast.employee.id, reviewDueAt: new Date(now.getTime() + 20 * HOUR) });
    const before = await provisioningSnapshot(db.prisma);
    const [a, b] = await Promise.all([escalateLateBreakGlassReviews(db.prisma, now), escalateLateBreakGlassReviews(db.prisma, now)]);
    expect(a.processed + b.processed).toBe(1);
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: late.id } })).reviewEscalatedAt).toEqual(now);
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: onTime.id } })).reviewEscalatedAt).toBeNull();
    expect(await db.prisma.finding.count({ where: { kind: "BREAK_GLASS_REVIEW_LATE", subjectId: late.id, status: "OPEN" } })).toBe(1);
    const told = await db.prisma.notification.findMany({ where: { kind: "break_glass.review_late" }, select: { recipientId: true } });
    expect(told.map((t) => t.recipientId).sort()).toEqual([cast.admin.id, cast.security.id].sort());
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["break_glass.review_escalated"]);
    expect(await escalateLateBreakGlassReviews(db.prisma, new Date(now.getTime() + HOUR))).toEqual({ processed: 0 });
  });

  it("lets only a security officer who did not request it review it, once; resolves the late finding", async () => {
    const r = await breakGlass(db.prisma, { requesterId: cast.holder.id, reviewDueAt: new Date(Date.now() - 1000) });
    await escalateLateBreakGlassReviews(db.prisma, new Date());
    const selfRequested = await breakGlass(db.prisma, { requesterId: cast.security.id, reviewDueAt: new Date(Date.now() + HOUR) });
    const before = await provisioningSnapshot(db.prisma);
    const note = "Reviewed the incident log: access was used only for INC-4242.";
    for (const who of [cast.admin.id, cast.holder.id, cast.systemOwner.id, cast.auditor.id]) {
      await expect(cast.as(who).grants.reviewBreakGlass({ requestId: r.id, note })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(cast.as(cast.security.id).grants.reviewBreakGlass({ requestId: selfRequested.id, note })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(cast.as(cast.security.id).grants.reviewBreakGlass({ requestId: r.id, note: "ok" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);

    const due = await cast.as(cast.security.id).tasks.breakGlassReviews();
    expect(due.find((d) => d.requestId === r.id)).toMatchObject({ canReview: true });
    expect(due.find((d) => d.requestId === selfRequested.id)).toMatchObject({ canReview: false });

    await cast.as(cast.security.id).grants.reviewBreakGlass({ requestId: r.id, note });
    expect(await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ reviewedById: cast.security.id, reviewNote: note });
    expect((await db.prisma.finding.findFirstOrThrow({ where: { kind: "BREAK_GLASS_REVIEW_LATE", subjectId: r.id } })).status).toBe("RESOLVED");
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["break_glass.reviewed"]);
    expect(events[0]).toMatchObject({ actorId: cast.security.id, payload: { note, late: true, incidentRef: "INC-4242" } });

    const after = await provisioningSnapshot(db.prisma);
    await expect(cast.as(cast.security.id).grants.reviewBreakGlass({ requestId: r.id, note })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectUnchanged(db.prisma, after);
  });
});
