import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeGrant, makeNhi } from "../../testing/factories";
import { provisioningCast } from "../provisioning/provisioning-test-kit";
import { raiseFinding } from "./service";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await provisioningCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const NOTE = "Handed the service account to Mia; rotated its key";

async function snapshot(p: PrismaClient) {
  const [findings, events, head] = await Promise.all([p.finding.findMany({ orderBy: { id: "asc" } }), p.ledgerEvent.count(), p.ledgerHead.findUnique({ where: { id: 1 } })]);
  return { findings, events, head };
}

/** One finding of each kind, raised the way the lifecycle raises them (the scene, not under test). */
let n = 0;
async function scene() {
  const nhi = await makeNhi(db.prisma, cast.employee.id, { name: `svc-orphan-${++n}` });
  const grant = await makeGrant(db.prisma, cast.holder.id, cast.entitlement.id);
  return db.prisma.$transaction(async (tx) => {
    const ownerLeft = await raiseFinding(tx, { kind: "NHI_OWNER_LEFT", subjectType: "Identity", subjectId: nhi.id, assigneeId: cast.manager.id, details: { nhi: nhi.displayName } });
    const failed = await raiseFinding(tx, { kind: "PROVISIONING_FAILED", subjectType: "Grant", subjectId: grant.id, assigneeId: cast.systemOwner.id, details: { error: "connection refused" } });
    return { nhi, grant, ownerLeft: ownerLeft!, failed: failed! };
  });
}

describe("findings: who may read and resolve them", () => {
  it("refuses an employee both the list and the resolve action, changing nothing", async () => {
    const s = await scene();
    const before = await snapshot(db.prisma);
    await expect(cast.as(cast.employee.id).findings.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(cast.as(cast.employee.id).findings.resolve({ id: s.ownerLeft, note: NOTE })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Being the assignee is not enough: resolving is for admins and security.
    await expect(cast.as(cast.manager.id).findings.resolve({ id: s.ownerLeft, note: NOTE })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await snapshot(db.prisma)).toEqual(before);
  });

  it("refuses to close reconciliation drift with a note (its actions close it), for admin and security alike, changing nothing", async () => {
    const id = await db.prisma.$transaction((tx) =>
      raiseFinding(tx, { kind: "UNMANAGED_ACCESS", subjectType: "System", subjectId: cast.system.id, assigneeId: cast.systemOwner.id, details: { account: "w_deadbeef", externalRef: "app_read" } }),
    );
    const before = await snapshot(db.prisma);
    for (const who of [cast.admin.id, cast.security.id]) {
      await expect(cast.as(who).findings.resolve({ id: id!, note: NOTE })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/from its system's page/) });
    }
    expect(await snapshot(db.prisma)).toEqual(before);
    const row = (await cast.as(cast.security.id).findings.list({ kind: "UNMANAGED_ACCESS" })).rows.find((r) => r.id === id);
    expect(row).toMatchObject({ canResolve: false, subject: { href: `/catalog/systems/${cast.system.id}` } });
  });

  it("lets an auditor read findings with links to their subjects, but not resolve them", async () => {
    const s = await scene();
    const page = await cast.as(cast.auditor.id).findings.list({ status: "OPEN" });
    const rows = new Map(page.rows.map((r) => [r.id, r]));
    expect(rows.get(s.ownerLeft)).toMatchObject({ kind: "NHI_OWNER_LEFT", status: "OPEN", subject: { label: s.nhi.displayName, href: `/identities/${s.nhi.id}` }, assignee: { id: cast.manager.id }, canResolve: false });
    expect(rows.get(s.failed)).toMatchObject({ kind: "PROVISIONING_FAILED", subject: { href: `/identities/${cast.holder.id}`, label: expect.stringContaining("Hal Holder") } });
    const kinds = await cast.as(cast.auditor.id).findings.list({ kind: "PROVISIONING_FAILED" });
    expect(kinds.rows.every((r) => r.kind === "PROVISIONING_FAILED")).toBe(true);
    expect((await cast.as(cast.auditor.id).findings.list({ q: s.nhi.displayName })).rows.map((r) => r.id)).toEqual([s.ownerLeft]);

    const before = await snapshot(db.prisma);
    await expect(cast.as(cast.auditor.id).findings.resolve({ id: s.ownerLeft, note: NOTE })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await snapshot(db.prisma)).toEqual(before);
  });

  it("rejects a missing or too-short note with a clear message, changing nothing", async () => {
    const s = await scene();
    const before = await snapshot(db.prisma);
    await expect(cast.as(cast.security.id).findings.resolve({ id: s.failed, note: "ok" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/at least 5 characters/) });
    expect(await snapshot(db.prisma)).toEqual(before);
  });
});

describe("findings.resolve: a conditional write OPEN → RESOLVED with its ledger event", () => {
  it("resolves with the note, records finding.resolved, and a second resolve is a CONFLICT that changes nothing", async () => {
    const s = await scene();
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const res = await cast.as(cast.security.id).findings.resolve({ id: s.ownerLeft, note: NOTE });
    expect(res).toMatchObject({ id: s.ownerLeft, status: "RESOLVED" });
    const f = await db.prisma.finding.findUniqueOrThrow({ where: { id: s.ownerLeft } });
    expect(f).toMatchObject({ status: "RESOLVED", resolvedById: cast.security.id, details: { nhi: s.nhi.displayName, resolutionNote: NOTE } });
    const events = await db.prisma.ledgerEvent.findMany({ where: { seq: { gt: BigInt(eventsBefore) } } });
    expect(events.map((e) => e.action)).toEqual(["finding.resolved"]);
    expect(events[0]).toMatchObject({ actorId: cast.security.id, subjectType: "Finding", subjectId: s.ownerLeft, payload: { kind: "NHI_OWNER_LEFT", note: NOTE, subjectId: s.nhi.id } });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
    const row = (await cast.as(cast.auditor.id).findings.list({ status: "RESOLVED" })).rows.find((r) => r.id === s.ownerLeft);
    expect(row).toMatchObject({ resolutionNote: NOTE, resolvedBy: { id: cast.security.id }, canResolve: false });

    const before = await snapshot(db.prisma);
    await expect(cast.as(cast.admin.id).findings.resolve({ id: s.ownerLeft, note: "resolving it once more" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await snapshot(db.prisma)).toEqual(before);
  });

  it("two people resolving at once: one wins, the other gets CONFLICT, one ledger event", async () => {
    const s = await scene();
    const eventsBefore = await db.prisma.ledgerEvent.count();
    const results = await Promise.allSettled([
      cast.as(cast.admin.id).findings.resolve({ id: s.failed, note: "Fixed the connector credentials" }),
      cast.as(cast.security.id).findings.resolve({ id: s.failed, note: "Retried after the outage" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "CONFLICT" });
    expect(await db.prisma.ledgerEvent.count({ where: { seq: { gt: BigInt(eventsBefore) }, action: "finding.resolved" } })).toBe(1);
  });

  it("NOT_FOUND for an unknown finding", async () => {
    const before = await snapshot(db.prisma);
    await expect(cast.as(cast.admin.id).findings.resolve({ id: "00000000-0000-4000-8000-000000000000", note: NOTE })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await snapshot(db.prisma)).toEqual(before);
  });
});
