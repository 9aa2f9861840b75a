import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeEntitlement, makeGrant, makeSystem } from "../../testing/factories";
import { lifecycleSnapshot, submitInput } from "../requests/request-test-kit";
import { auditScene, type AuditScene } from "./audit-test-kit";

let db: TestDb;
let s: AuditScene;

beforeAll(async () => {
  db = await createTestDb();
  s = await auditScene(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const at = (iso: string) => new Date(iso);

describe(`audit.accessAsOf (${TEST_ENGINE})`, () => {
  it("lists who held what in a system on a day: started by its end, not revoked before its start, ever active", async () => {
    const c = s.c;
    const sys = await makeSystem(db.prisma, c.owner.id, { name: "Card Vault" });
    const ent = await makeEntitlement(db.prisma, sys.id, { name: "vault-read" });
    const g = async (who: string, startsAt: string, revokedAt: string | null, extra: Record<string, unknown> = {}) =>
      db.prisma.grant.create({
        data: { identityId: who, entitlementId: ent.id, status: revokedAt ? "REVOKED" : "ACTIVE", origin: "IMPORTED", startsAt: at(startsAt), revokedAt: revokedAt ? at(revokedAt) : null, ...extra },
      });
    const held = await g(c.employee.id, "2026-01-01T00:00:00Z", null);
    const revokedThatDay = await g(c.peer.id, "2026-01-01T00:00:00Z", "2026-02-10T15:00:00Z");
    await g(c.manager.id, "2026-01-01T00:00:00Z", "2026-02-10T00:00:00Z"); // revoked at the very start of the day
    const startedThatEvening = await g(c.director.id, "2026-02-10T23:30:00Z", null);
    await g(c.owner.id, "2026-02-11T00:00:00Z", null); // the next day
    // A request grant never provisioned (no DONE GRANT task) is not access anyone held.
    await db.prisma.grant.create({ data: { identityId: c.loner.id, entitlementId: ent.id, status: "PROVISION_FAILED", origin: "REQUEST", startsAt: at("2026-01-01T00:00:00Z") } });

    const page = await c.as.auditor.audit.accessAsOf({ systemId: sys.id, date: "2026-02-10" });
    expect(page.system?.name).toBe("Card Vault");
    expect(page.rows.map((r) => r.grantId).sort()).toEqual([held.id, revokedThatDay.id, startedThatEvening.id].sort());
    expect(page.total).toBe(3);
    expect((await c.as.auditor.audit.accessAsOf({ systemId: sys.id, date: "2025-12-31" })).total).toBe(0);
    expect((await c.as.auditor.audit.accessAsOf({ systemId: sys.id, date: "2026-02-10", q: "priya" })).rows.map((r) => r.grantId)).toEqual([held.id]);
  });

  it("counts request grants from when they were provisioned, and keeps them after revocation for earlier days", async () => {
    const day = s.c.clock.now().toISOString().slice(0, 10);
    const page = await s.c.as.security.audit.accessAsOf({ systemId: s.c.system.id, date: day });
    expect(page.rows.map((r) => r.grantId)).toContain(s.grantId);
  });

  it("rejects a date that is not a real day", async () => {
    await expect(s.c.as.auditor.audit.accessAsOf({ systemId: s.c.system.id, date: "2026-02-31" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe(`auditor workspace access (${TEST_ENGINE})`, () => {
  const calls = (api: AuditScene["c"]["as"]["auditor"]) => [
    () => api.audit.grants({}),
    () => api.audit.lineage({ grantId: s.grantId }),
    () => api.audit.systems(),
    () => api.audit.accessAsOf({ systemId: s.c.system.id, date: "2026-03-02" }),
    () => api.audit.controlChecks(),
    () => api.audit.controls({}),
    () => api.audit.sample({ check: "approved-access", n: 2, seed: 1 }),
    () => api.ledger.list({ actorId: s.c.manager.id }),
  ];

  it("admins, security and auditors may call every procedure; others are FORBIDDEN, signed-out UNAUTHORIZED", async () => {
    for (const who of ["auditor", "admin", "security"] as const) for (const call of calls(s.c.as[who])) await expect(call()).resolves.toBeDefined();
    for (const who of ["employee", "manager", "owner"] as const) for (const call of calls(s.c.as[who])) await expect(call()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const { callerAs } = await import("../../testing/factories");
    for (const call of calls(callerAs(db.prisma, null))) await expect(call()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("the auditor cannot call any mutation: each is FORBIDDEN and nothing changes", async () => {
    const c = s.c;
    const before = await lifecycleSnapshot(db.prisma);
    const identities = await db.prisma.identity.count();
    const g = await makeGrant(db.prisma, c.employee.id, c.low.id);
    const snap = await lifecycleSnapshot(db.prisma);
    expect(snap.grants.length).toBe(before.grants.length + 1);
    const attempts = [
      () => c.as.auditor.requests.submit(submitInput(c.low.id)),
      () => c.as.auditor.grants.revoke({ grantId: g.id, reason: "auditor tries to revoke" }),
      () => c.as.auditor.grants.deprovisionIdentity({ identityId: c.peer.id, reason: "auditor tries to offboard" }),
      () => c.as.auditor.tasks.retry({ taskId: "00000000-0000-4000-8000-000000000000" }),
      () => c.as.auditor.campaignOps.close({ campaignId: s.campaignId }),
      () => c.as.auditor.delegations.create({ toId: c.peer.id, startsAt: new Date(), endsAt: new Date(Date.now() + 86_400_000), reason: "out of office" } as never),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("read-only") });
    expect(await lifecycleSnapshot(db.prisma)).toEqual(snap);
    expect(await db.prisma.identity.count()).toBe(identities);
  });
});
