import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeGrant, makeHuman, makeNhi } from "../../testing/factories";
import { DAY, submitInput } from "../requests/request-test-kit";
import { makeCampaign, makeItem } from "../campaigns/campaign-test-kit";
import { approvedAndProvisioned, auditScene, type AuditScene } from "./audit-test-kit";
import { controlChecksOverview, type ControlCheckOverview } from "./controls";
import { drawSample, mulberry32, sampleCsv } from "./sampling";
import { parseCsv } from "../../testing/csv";

let db: TestDb;
let s: AuditScene;

beforeAll(async () => {
  db = await createTestDb();
  s = await auditScene(db.prisma);
  // More clean data: an approved, provisioned, active grant; imported access; an expired grant already revoked.
  await approvedAndProvisioned(db.prisma, s.c, "peer");
  await makeGrant(db.prisma, s.c.loner.id, s.c.low.id, { origin: "IMPORTED" });
  const expired = await makeGrant(db.prisma, s.c.loner.id, s.c.medium.id, { origin: "IMPORTED", expiresAt: new Date(s.c.clock.now().getTime() - DAY) });
  await db.prisma.grant.update({ where: { id: expired.id }, data: { status: "REVOKED", revokedAt: s.c.clock.now(), revocationCause: "EXPIRY" } });
});
afterAll(async () => {
  await db.close();
});

const byId = (rs: ControlCheckOverview[]) => Object.fromEntries(rs.map((r) => [r.id, r]));
const run = () => s.c.as.auditor.audit.controls({});

describe(`control checks (${TEST_ENGINE})`, () => {
  it("pass on clean data, each stating its population; imported access is flagged, not an exception", async () => {
    const res = byId(await run());
    expect(Object.keys(res)).toEqual(["approved-access", "revocations-executed", "no-self-approval", "nhi-owned", "no-expired-active"]);
    for (const r of Object.values(res)) {
      expect(r.passed, `${r.id}: ${JSON.stringify(r.exceptions)}`).toBe(true);
      expect(r.exceptions).toEqual([]);
      expect(r.population.count).toBeGreaterThan(0);
      expect(r.population.definition.length).toBeGreaterThan(20);
    }
    expect(res["approved-access"]!.flagged.length).toBe(1);
    expect(res["approved-access"]!.flagged[0]!.reason).toMatch(/origin unverified/);
    expect(res["revocations-executed"]!.population.count).toBe(1);
    expect(res["no-self-approval"]!.population.count).toBe(4);
  });

  it("each check finds planted exceptions", async () => {
    const c = s.c;
    // (1) an active REQUEST grant whose request was never approved, and one with no request at all.
    const pending = await c.as.loner.requests.submit(submitInput(c.medium.id));
    const unapproved = await db.prisma.grant.create({ data: { identityId: c.loner.id, entitlementId: c.medium.id, status: "ACTIVE", origin: "REQUEST", requestId: pending.id, startsAt: c.clock.now() } });
    const orphan = await makeGrant(db.prisma, c.loner.id, c.high.id, { origin: "REQUEST" });
    // (2) a revoke decision in a closed campaign that was never executed.
    const campaign = await makeCampaign(db.prisma, { ownerId: c.owner.id, fallbackReviewerId: c.director.id, status: "CLOSED" });
    const kept = await makeGrant(db.prisma, c.peer.id, c.low.id);
    const item = await makeItem(db.prisma, campaign.id, kept.id, c.manager.id, { decision: "REVOKE", comment: "should go" });
    // (3) a self-approval (the DB refuses it: drop the constraint in this test database to plant one).
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { status: "APPROVED", requestId: s.requestId }, orderBy: { stageOrder: "asc" } });
    await db.rawSql(`ALTER TABLE "ApprovalStep" DROP CONSTRAINT "ApprovalStep_no_self_decision"`);
    await db.prisma.approvalStep.update({ where: { id: step.id }, data: { decidedById: step.requesterId } });
    // (4) an NHI whose owner left.
    const leaver = await makeHuman(db.prisma, { name: "Len Leaver", status: "DEPROVISIONED" });
    const orphanNhi = await makeNhi(db.prisma, leaver.id, { name: "svc-orphan" });
    // (5) a grant past its expiry still active.
    const stale = await makeGrant(db.prisma, c.peer.id, c.critical.id, { expiresAt: new Date(c.clock.now().getTime() - 2 * DAY) });

    const res = byId(await run());
    const ids = (id: string) => res[id]!.exceptions.map((e) => e.id);
    expect(res["approved-access"]!.passed).toBe(false);
    expect(ids("approved-access").sort()).toEqual([unapproved.id, orphan.id].sort());
    expect(res["approved-access"]!.exceptions.find((e) => e.id === unapproved.id)!.reason).toMatch(/PENDING, not APPROVED/);
    expect(ids("revocations-executed")).toEqual([item.id]);
    expect(ids("no-self-approval")).toEqual([step.id]);
    expect(res["no-self-approval"]!.exceptions[0]!.reason).toBe("Approved by the requester.");
    expect(ids("nhi-owned")).toEqual([orphanNhi.id]);
    expect(ids("no-expired-active")).toEqual([stale.id]);
    for (const r of Object.values(res)) expect(r.passed).toBe(false);

    // Scoped to another system, none of it is in the population.
    const other = byId(await controlChecksOverview(db.prisma, { systemNames: ["No Such System"], now: c.clock.now() }));
    expect(other["approved-access"]!.population.count).toBe(0);
    expect(other["approved-access"]!.passed).toBe(true);
  });
});

describe("sampling", () => {
  it("mulberry32 and the draw are deterministic", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const pop = Array.from({ length: 100 }, (_, i) => `id-${String(i).padStart(3, "0")}`);
    expect(drawSample(pop, 10, 7)).toEqual(drawSample(pop, 10, 7));
    expect(drawSample(pop, 10, 7)).not.toEqual(drawSample(pop, 10, 8));
    expect(new Set(drawSample(pop, 100, 1)).size).toBe(100);
    expect(drawSample(pop, 500, 1)).toHaveLength(100);
  });

  it("a control sample is reproducible for the same seed, differs for another, and records seed and n", async () => {
    for (let i = 0; i < 25; i++) await makeNhi(db.prisma, s.c.employee.id, { name: `svc-batch-${i}` });
    const a = await s.c.as.auditor.audit.sample({ check: "nhi-owned", n: 5, seed: 1234 });
    const b = await s.c.as.security.audit.sample({ check: "nhi-owned", n: 5, seed: 1234 });
    const other = await s.c.as.auditor.audit.sample({ check: "nhi-owned", n: 5, seed: 99 });
    expect(a.rows.map((r) => r.id)).toEqual(b.rows.map((r) => r.id));
    expect(a.rows).toHaveLength(5);
    expect(other.rows.map((r) => r.id)).not.toEqual(a.rows.map((r) => r.id));
    expect(a.populationCount).toBeGreaterThanOrEqual(26);
    const csv = sampleCsv(a);
    expect(csv).toContain("# seed: 1234");
    expect(csv).toContain("# n: 5 (drawn: 5)");
    expect(parseCsv(csv).filter((r) => !r[0]!.startsWith("#"))).toHaveLength(6);
    const drawn = await s.c.as.auditor.audit.sample({ check: "nhi-owned", n: 3 });
    expect(drawn.seed).toBeGreaterThanOrEqual(0);
    expect((await s.c.as.auditor.audit.sample({ check: "nhi-owned", n: 3, seed: drawn.seed })).rows).toEqual(drawn.rows);
  });

  it("rejects bad sample inputs clearly", async () => {
    await expect(s.c.as.auditor.audit.sample({ check: "nhi-owned", n: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("n: must be at least 1") });
    await expect(s.c.as.auditor.audit.sample({ check: "nope" as "nhi-owned", n: 3 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
