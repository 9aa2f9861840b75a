/**
 * Reconciliation against a real PostgreSQL target (the PostgreSQL stage of `npm test`: scripts/with-postgres.sh
 * sets TEST_PG_ADMIN_URL). Roles are granted and revoked by hand behind Warrant's back; the run finds it, and
 * the actions put it right through the connector, confirmed by reading pg_auth_members back. Two runs started
 * at once from two database clients leave one set of findings.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberRoleName } from "../../connectors/postgres";
import { openTargetDatabase, type TargetDatabase } from "../../connectors/target-test-kit";
import { openDb } from "../../db";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import { runReconciliation } from "./service";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;
const DAY = 86_400_000;

describe.skipIf(!ADMIN_URL)("reconciliation against a real PostgreSQL target", () => {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 10);
  const readRole = `app_read_${suffix}`;
  const writeRole = `app_write_${suffix}`;
  const handLogin = `bob_by_hand_${suffix}`;
  let target: TargetDatabase;
  let admin: pg.Client;
  let db: TestDb;

  beforeAll(async () => {
    target = await openTargetDatabase(ADMIN_URL!, `warrant_recon_${suffix}`, [{ name: readRole }, { name: writeRole }]);
    admin = target.admin;
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(handLogin)}`).catch(() => undefined);
    await target.drop();
  });

  async function isMember(role: string, member: string) {
    const r = await admin.query("SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2", [role, member]);
    return r.rowCount === 1;
  }
  async function byHand(sql: string) {
    await admin.query(sql);
  }
  const q = (n: string) => admin.escapeIdentifier(n);

  it("finds roles granted and revoked by hand, and adopt / revoke / re-provision put them right, confirmed by read-back", async () => {
    const p = db.prisma;
    const owner = await makeHuman(p, { name: "Sofia Owner" });
    const holder = await makeHuman(p, { name: "Hal Holder" });
    const drifted = await makeHuman(p, { name: "Dan Drift" });
    const adopted = await makeHuman(p, { name: "Ada Adopted" });
    const system = await makeSystem(p, owner.id);
    await p.system.update({ where: { id: system.id }, data: { connector: "POSTGRES", connectorConfig: { host: new URL(ADMIN_URL!).hostname, port: target.port, database: target.database, user: target.user } } });
    const read = await makeEntitlement(p, system.id, { name: "Read" });
    const write = await makeEntitlement(p, system.id, { name: "Write" });
    await p.entitlement.update({ where: { id: read.id }, data: { externalRef: readRole } });
    await p.entitlement.update({ where: { id: write.id }, data: { externalRef: writeRole } });
    await makeEntitlement(p, system.id, { name: "No role yet" }); // no externalRef: not managed in the target

    // Warrant grants the holder Read, provisioned through the connector.
    const grant = await p.grant.create({ data: { identityId: holder.id, entitlementId: read.id, status: "PENDING_PROVISION", origin: "REQUEST", startsAt: new Date(), expiresAt: new Date(Date.now() + 30 * DAY) } });
    await p.provisioningTask.create({ data: { grantId: grant.id, action: "GRANT", connector: "POSTGRES", nextAttemptAt: new Date(Date.now() - 1000) } });
    await processProvisioningTasks(p, new Date(), "recon-pg", 10);
    expect(await isMember(readRole, memberRoleName(holder.id))).toBe(true);

    const as = callerAs(p, owner.id);
    const clean = await as.reconciliation.reconcileNow({ systemId: system.id });
    expect(clean.counts).toMatchObject({ UNMANAGED_ACCESS: 0, MISSING_ACCESS: 0, ORPHAN_ACCOUNT: 0 });
    expect(clean.memberships).toBe(1);

    // Behind Warrant's back: Write granted to two people's member roles, Read revoked from the holder, and a
    // login made by hand given Read.
    for (const who of [drifted, adopted]) await byHand(`CREATE ROLE ${q(memberRoleName(who.id))} NOLOGIN; GRANT ${q(writeRole)} TO ${q(memberRoleName(who.id))}`);
    await byHand(`REVOKE ${q(readRole)} FROM ${q(memberRoleName(holder.id))}`);
    await byHand(`CREATE ROLE ${q(handLogin)} LOGIN; GRANT ${q(readRole)} TO ${q(handLogin)}`);

    const run = await as.reconciliation.reconcileNow({ systemId: system.id });
    expect(run.counts).toMatchObject({ UNMANAGED_ACCESS: 2, MISSING_ACCESS: 1, ORPHAN_ACCOUNT: 1, opened: 4 });
    const view = await as.reconciliation.forSystem({ systemId: system.id });
    const row = (account: string) => view.findings.rows.find((r) => r.account === account)!;
    expect(row(memberRoleName(drifted.id))).toMatchObject({ kind: "UNMANAGED_ACCESS", entitlement: "Write", identity: { id: drifted.id } });
    expect(row(memberRoleName(holder.id))).toMatchObject({ kind: "MISSING_ACCESS", entitlement: "Read", identity: { id: holder.id } });
    expect(row(handLogin)).toMatchObject({ kind: "ORPHAN_ACCOUNT", identity: null, actions: ["revoke", "accept"] });

    // Adopt one, revoke another through the connector, re-provision the missing one.
    await as.reconciliation.adopt({ findingId: row(memberRoleName(adopted.id)).id, days: 90, reason: "Granted by the DBA before Warrant" });
    const revoked = await as.reconciliation.revoke({ findingId: row(memberRoleName(drifted.id)).id, reason: "Nobody approved write access" });
    await as.reconciliation.reprovision({ findingId: row(memberRoleName(holder.id)).id, reason: "Lost in the restore" });
    await processProvisioningTasks(p, new Date(), "recon-pg", 10);
    expect(await isMember(writeRole, memberRoleName(drifted.id))).toBe(false);
    expect(await isMember(readRole, memberRoleName(holder.id))).toBe(true);
    expect(await isMember(writeRole, memberRoleName(adopted.id))).toBe(true);
    expect(await p.provisioningTask.findUniqueOrThrow({ where: { id: revoked.taskId! } })).toMatchObject({ status: "DONE", receipt: { confirmed: true, readBack: { isMember: false, role: writeRole } } });
    expect((await p.grant.findUniqueOrThrow({ where: { id: revoked.grantId! } })).status).toBe("REVOKED");

    // The next run: only the hand-made login is left.
    const after = await as.reconciliation.reconcileNow({ systemId: system.id });
    expect(after.counts).toMatchObject({ UNMANAGED_ACCESS: 0, MISSING_ACCESS: 0, ORPHAN_ACCOUNT: 1, opened: 0 });
    const open = await p.finding.findMany({ where: { subjectId: system.id, status: "OPEN" } });
    expect(open.map((f) => (f.details as { account: string }).account)).toEqual([handLogin]);

    // The hand-made login stands for no identity: the connector removes its membership now, confirmed by read-back.
    const orphanRes = await as.reconciliation.revoke({ findingId: open[0]!.id, reason: "Nobody owns this login" });
    expect(orphanRes).toMatchObject({ grantId: null, taskId: null });
    expect(await isMember(readRole, handLogin)).toBe(false);
    expect(await p.finding.findUniqueOrThrow({ where: { id: open[0]!.id } })).toMatchObject({ status: "RESOLVED", details: { outcome: "REVOKED", receipt: { confirmed: true, readBack: { isMember: false, member: handLogin, role: readRole } } } });
    const last = await as.reconciliation.reconcileNow({ systemId: system.id });
    expect(last.counts).toMatchObject({ UNMANAGED_ACCESS: 0, MISSING_ACCESS: 0, ORPHAN_ACCOUNT: 0 });
  });

  it("a legacy 8-hex member role stands for its identity only when no other identity shares the prefix", async () => {
    const p = db.prisma;
    const owner = await makeHuman(p, { name: "Lena Legacy-Owner" });
    const system = await makeSystem(p, owner.id);
    await p.system.update({ where: { id: system.id }, data: { connector: "POSTGRES", connectorConfig: { host: new URL(ADMIN_URL!).hostname, port: target.port, database: target.database, user: target.user } } });
    const ent = await makeEntitlement(p, system.id, { name: "Legacy write" });
    await p.entitlement.update({ where: { id: ent.id }, data: { externalRef: writeRole } });
    const as = callerAs(p, owner.id);
    await as.reconciliation.reconcileNow({ systemId: system.id }); // the first run, before the drift below

    const person = (id: string, name: string) => p.identity.create({ data: { id, kind: "HUMAN", displayName: name, email: `${id}@example.test`, department: "Engineering" } });
    const prefix = suffix.slice(0, 8);
    const twinA = await person(`${prefix}-aaaa-4aaa-8aaa-${randomUUID().slice(-12)}`, "Twin A");
    await person(`${prefix}-bbbb-4bbb-8bbb-${randomUUID().slice(-12)}`, "Twin B");
    const single = await person(`${suffix.slice(2, 10)}-cccc-4ccc-8ccc-${randomUUID().slice(-12)}`, "Solo");
    const shared = `w_${prefix}`;
    const own = `w_${suffix.slice(2, 10)}`;
    for (const m of [shared, own]) await byHand(`CREATE ROLE ${q(m)} NOLOGIN; GRANT ${q(writeRole)} TO ${q(m)}`);
    try {
      await as.reconciliation.reconcileNow({ systemId: system.id });
      const view = await as.reconciliation.forSystem({ systemId: system.id });
      const row = (account: string) => view.findings.rows.find((r) => r.account === account);
      // Twin A or Twin B? Neither is named: the shared role is an orphan account, never mapped to the first created.
      expect(row(shared)).toMatchObject({ kind: "ORPHAN_ACCOUNT", identity: null });
      expect(row(own)).toMatchObject({ kind: "UNMANAGED_ACCESS", identity: { id: single.id } });
      expect(twinA.id.startsWith(prefix)).toBe(true);
    } finally {
      for (const m of [shared, own]) await byHand(`DROP ROLE IF EXISTS ${q(m)}`);
    }
  });

  it("two runs started at once from two clients: one runs, the other is refused, one set of findings", async () => {
    const p = db.prisma;
    const owner = await makeHuman(p, { name: "Olga Owner" });
    const system = await makeSystem(p, owner.id);
    const role = `app_par_${suffix}`;
    await byHand(`CREATE ROLE ${q(role)} NOLOGIN`);
    const members: string[] = [];
    try {
      await p.system.update({ where: { id: system.id }, data: { connector: "POSTGRES", connectorConfig: { host: new URL(ADMIN_URL!).hostname, port: target.port, database: target.database, user: target.user } } });
      const ent = await makeEntitlement(p, system.id, { name: "Par" });
      await p.entitlement.update({ where: { id: ent.id }, data: { externalRef: role } });
      const people = await Promise.all([1, 2, 3].map((i) => makeHuman(p, { name: `Par ${i}` })));
      for (const who of people) {
        members.push(memberRoleName(who.id));
        await byHand(`CREATE ROLE ${q(memberRoleName(who.id))} NOLOGIN; GRANT ${q(role)} TO ${q(memberRoleName(who.id))}`);
      }

      const clients = [openDb({ url: db.url! }), openDb({ url: db.url! })];
      try {
        const now = new Date();
        const results = await Promise.allSettled(clients.map((c) => runReconciliation(c.prisma, { systemId: system.id, trigger: "MANUAL", actorId: owner.id, now })));
        const ok = results.filter((r) => r.status === "fulfilled");
        expect(ok.length).toBeGreaterThanOrEqual(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
      // The first completed run is the onboarding one, once: the three memberships came in as one imported grant each.
      const findings = await p.finding.findMany({ where: { subjectId: system.id } });
      expect(findings).toHaveLength(3);
      expect(findings.every((f) => f.status === "RESOLVED" && f.kind === "UNMANAGED_ACCESS" && (f.details as { outcome?: string; source?: string }).outcome === "ADOPTED")).toBe(true);
      const imported = await p.grant.findMany({ where: { entitlementId: ent.id } });
      expect(imported).toHaveLength(3);
      expect(imported.every((g) => g.origin === "IMPORTED" && g.status === "ACTIVE" && g.requestId === null)).toBe(true);
      expect(await p.reconciliationRun.count({ where: { systemId: system.id, status: "COMPLETED", counts: { path: ["adopted"], equals: 3 } } })).toBe(1);
      expect(await p.reconciliationRun.count({ where: { systemId: system.id, status: "RUNNING" } })).toBe(0);
    } finally {
      for (const m of members) await byHand(`DROP ROLE IF EXISTS ${q(m)}`).catch(() => undefined);
      await byHand(`DROP ROLE IF EXISTS ${q(role)}`).catch(() => undefined);
    }
  });
});
