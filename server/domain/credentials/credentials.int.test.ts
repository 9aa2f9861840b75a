/**
 * Credentials issued and revoked by the control plane (docs/credentials.md), against a real PostgreSQL target
 * (scripts/with-postgres.sh: members of TEST_PG_SCRAM_GROUP must log in with a SCRAM password, so a login
 * with the issued password, or a wrong one, is really checked by the server). Runs in the PostgreSQL stage.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman, makeNhi } from "../../testing/factories";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { revokeExpiredGrants } from "../../jobs/expiry";
import { ensureDefaultPolicy } from "../policy/service";
import { makeGrantWithTask, provisioningCast } from "../provisioning/provisioning-test-kit";
import { openTargetDatabase, type TargetDatabase } from "../../connectors/target-test-kit";
import { credentialFingerprint, credentialLoginName } from "../../connectors/postgres-login";
import { rotateDueCredentials } from "./service";

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL;
const GROUP = process.env.TEST_PG_SCRAM_GROUP;
const HOUR = 3_600_000;

describe.skipIf(!ADMIN_URL || !GROUP)("credentials issued by the control plane (real PostgreSQL target)", () => {
  const targetDb = `warrant_creds_${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  let db: TestDb;
  let target: TargetDatabase;
  let cast: Awaited<ReturnType<typeof provisioningCast>>;
  let nhi: { id: string };
  const open: pg.Client[] = [];

  beforeAll(async () => {
    target = await openTargetDatabase(ADMIN_URL!, targetDb, [{ name: GROUP! }]);
    db = await createTestDb();
    const config = { host: "127.0.0.1", port: target.port, database: targetDb, user: target.user };
    cast = await provisioningCast(db.prisma, { connector: "POSTGRES", connectorConfig: config, externalRef: GROUP });
    await db.prisma.entitlement.update({ where: { id: cast.entitlement.id }, data: { issuesCredential: true } });
    nhi = await makeNhi(db.prisma, cast.employee.id, { name: "svc-settlement" });
  });
  afterAll(async () => {
    for (const c of open) await c.end().catch(() => undefined);
    await db?.close();
    await target?.drop();
  });

  /** Logs in to the target as `user` with `password`: the connected client, or the server's refusal. */
  async function login(user: string, password: string): Promise<pg.Client | Error> {
    const c = new pg.Client({ host: "127.0.0.1", port: target.port, database: targetDb, user, password, ssl: false, connectionTimeoutMillis: 10_000 });
    try {
      await c.connect();
      open.push(c);
      return c;
    } catch (e) {
      await c.end().catch(() => undefined);
      return e as Error;
    }
  }

  async function issue(expiresInMs = 24 * HOUR, identityId = nhi.id) {
    const { grant } = await makeGrantWithTask(db.prisma, { identityId, entitlementId: cast.entitlement.id, connector: "POSTGRES", expiresAt: new Date(Date.now() + expiresInMs) });
    await processProvisioningTasks(db.prisma, new Date(), "worker-a");
    const credential = await db.prisma.credential.findUniqueOrThrow({ where: { grantId: grant.id } });
    return { grant, credential };
  }

  /** Every byte of the ledger's payloads, to search for a secret. */
  async function ledgerText() {
    const events = await db.prisma.ledgerEvent.findMany({ select: { payload: true } });
    return JSON.stringify(events.map((e) => e.payload));
  }

  async function targetFingerprint(loginName: string) {
    const r = await target.admin.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [loginName]);
    return r.rows[0] ? credentialFingerprint(r.rows[0].rolpassword) : null;
  }

  it("issues a LOGIN valid until the grant's end, in the entitlement's role; the owner reveals the password once and it logs in; the ledger has the fingerprint, never the password", async () => {
    const { grant, credential } = await issue();
    const owner = cast.as(cast.employee.id);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "ACTIVE" });
    expect(credential).toMatchObject({ login: credentialLoginName(grant.id), status: "ACTIVE", version: 1 });
    expect(credential.ciphertext).toBeTruthy();

    const role = await target.admin.query<{ rolcanlogin: boolean; rolvaliduntil: Date; rolconnlimit: number }>("SELECT rolcanlogin, rolvaliduntil, rolconnlimit FROM pg_roles WHERE rolname = $1", [credential.login]);
    expect(role.rows[0]).toMatchObject({ rolcanlogin: true, rolconnlimit: 10 });
    expect(new Date(role.rows[0]!.rolvaliduntil).getTime()).toBe(grant.expiresAt!.getTime());
    expect(await targetFingerprint(credential.login)).toBe(credential.fingerprint);

    const revealed = await owner.credentials.reveal({ credentialId: credential.id });
    expect(revealed).toMatchObject({ login: credential.login, fingerprint: credential.fingerprint, version: 1 });
    expect(revealed.password.length).toBeGreaterThanOrEqual(40);
    expect((await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).ciphertext).toBeNull();

    const session = await login(credential.login, revealed.password);
    expect(session).toBeInstanceOf(pg.Client);
    const who = await (session as pg.Client).query<{ u: string; member: boolean }>("SELECT current_user AS u, pg_has_role(current_user, $1, 'MEMBER') AS member", [GROUP]);
    expect(who.rows[0]).toEqual({ u: credential.login, member: true });
    expect(await login(credential.login, "not-the-password")).toBeInstanceOf(Error);

    // Revealed once: a second reveal is refused and changes nothing.
    const before = { row: await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } }), events: await db.prisma.ledgerEvent.count() };
    await expect(owner.credentials.reveal({ credentialId: credential.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect({ row: await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } }), events: await db.prisma.ledgerEvent.count() }).toEqual(before);

    const events = await db.prisma.ledgerEvent.findMany({ where: { subjectId: grant.id, action: { startsWith: "credential." } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["credential.issued", "credential.revealed"]);
    expect(events[0]!.payload).toMatchObject({ login: credential.login, fingerprint: credential.fingerprint, validUntil: grant.expiresAt!.toISOString() });
    expect(events[1]).toMatchObject({ actorId: cast.employee.id });
    expect(await ledgerText()).not.toContain(revealed.password);
  });

  it("refuses a reveal by anyone but the NHI's owner (admin included) and changes nothing", async () => {
    const { credential } = await issue();
    const before = { row: await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } }), events: await db.prisma.ledgerEvent.count() };
    for (const who of [cast.admin, cast.security, cast.auditor, cast.holder, cast.systemOwner]) {
      await expect(cast.as(who.id).credentials.reveal({ credentialId: credential.id })).rejects.toMatchObject({ code: who === cast.auditor ? "FORBIDDEN" : "NOT_FOUND" });
    }
    expect({ row: await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } }), events: await db.prisma.ledgerEvent.count() }).toEqual(before);
    // Others see that it exists, never a way to reveal it.
    const listed = await cast.as(cast.admin.id).credentials.ofIdentity({ identityId: nhi.id });
    expect(listed.find((c) => c.id === credential.id)).toMatchObject({ waitingToBeRevealed: true, revealable: false, canRotate: true });
    expect(JSON.stringify(listed)).not.toContain(credential.ciphertext!);
    expect(await cast.as(cast.holder.id).credentials.ofIdentity({ identityId: nhi.id })).toEqual([]);
  });

  it("rotates on demand: a new password revealed once again, the old one refused, the new one works; credential.rotated carries both fingerprints", async () => {
    const { grant, credential } = await issue();
    const owner = cast.as(cast.employee.id);
    const first = await owner.credentials.reveal({ credentialId: credential.id });
    expect(await owner.credentials.rotate({ credentialId: credential.id })).toMatchObject({ rotated: true });
    const second = await owner.credentials.reveal({ credentialId: credential.id });
    expect(second.password).not.toBe(first.password);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(second.version).toBe(2);
    expect(await targetFingerprint(credential.login)).toBe(second.fingerprint);
    expect(await login(credential.login, first.password)).toBeInstanceOf(Error);
    expect(await login(credential.login, second.password)).toBeInstanceOf(pg.Client);

    const rotated = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "credential.rotated" } });
    expect(rotated).toMatchObject({ actorId: cast.employee.id, payload: { fingerprint: second.fingerprint, previousFingerprint: first.fingerprint, version: 2, cause: "REQUESTED" } });
    const text = await ledgerText();
    expect(text).not.toContain(first.password);
    expect(text).not.toContain(second.password);
  });

  it("rotates on the entitlement's schedule, once even with two workers at once", async () => {
    await db.prisma.entitlement.update({ where: { id: cast.entitlement.id }, data: { credentialRotateHours: 1 } });
    const { credential } = await issue();
    await db.prisma.entitlement.update({ where: { id: cast.entitlement.id }, data: { credentialRotateHours: null } });
    expect(credential.rotateDueAt!.getTime()).toBe(credential.issuedAt.getTime() + HOUR);
    const later = new Date(Date.now() + 2 * HOUR);
    const [a, b] = await Promise.all([rotateDueCredentials(db.prisma, later, "worker-a", { credentialId: credential.id }), rotateDueCredentials(db.prisma, later, "worker-b", { credentialId: credential.id })]);
    expect(a.processed + b.processed).toBe(1);
    const after = await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } });
    expect(after).toMatchObject({ version: 2, rotateDueAt: null, claimedBy: null });
    expect(await targetFingerprint(credential.login)).toBe(after.fingerprint);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "credential.rotated", payload: { path: ["credentialId"], equals: credential.id } } })).toBe(1);
  });

  it("two parallel reveals: only one gets the password", async () => {
    const { credential } = await issue();
    const owner = cast.as(cast.employee.id);
    const results = await Promise.allSettled([owner.credentials.reveal({ credentialId: credential.id }), owner.credentials.reveal({ credentialId: credential.id })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(["CONFLICT"]);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "credential.revealed", payload: { path: ["credentialId"], equals: credential.id } } })).toBe(1);
  });

  it("two parallel rotations: one rotates, the other is refused; the target holds the password Warrant sealed", async () => {
    const { credential } = await issue();
    const owner = cast.as(cast.employee.id);
    const admin = cast.as(cast.admin.id);
    const results = await Promise.allSettled([owner.credentials.rotate({ credentialId: credential.id }), admin.credentials.rotate({ credentialId: credential.id })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(["CONFLICT"]);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "credential.rotated", payload: { path: ["credentialId"], equals: credential.id } } })).toBe(1);
    const revealed = await owner.credentials.reveal({ credentialId: credential.id });
    expect(revealed.version).toBe(2);
    expect(await targetFingerprint(credential.login)).toBe(revealed.fingerprint);
    expect(await login(credential.login, revealed.password)).toBeInstanceOf(pg.Client);
  });

  it("at expiry the login is blocked, its open session terminated and the role dropped (read back); credential.revoked closes it", async () => {
    const { grant, credential } = await issue(HOUR);
    const owner = cast.as(cast.employee.id);
    const { password } = await owner.credentials.reveal({ credentialId: credential.id });
    const session = (await login(credential.login, password)) as pg.Client;
    expect(session).toBeInstanceOf(pg.Client);
    const ended = new Promise<Error>((resolve) => session.on("error", resolve));

    const later = new Date(Date.now() + 2 * HOUR);
    await revokeExpiredGrants(db.prisma, later);
    await processProvisioningTasks(db.prisma, later, "worker-a");

    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "REVOKED", revocationCause: "EXPIRY" });
    expect((await ended).message).toMatch(/terminat/i);
    await expect(session.query("SELECT 1")).rejects.toThrow();
    expect((await target.admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [credential.login])).rowCount).toBe(0);
    expect(await login(credential.login, password)).toBeInstanceOf(Error);
    expect(await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).toMatchObject({ status: "REVOKED", ciphertext: null });
    const revoked = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "credential.revoked" } });
    expect(revoked.payload).toMatchObject({ login: credential.login, fingerprint: credential.fingerprint, loginExists: false, sessions: 0, sessionsTerminated: 1 });
    const receipt = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "grant.revoked" } });
    expect(receipt.payload).toMatchObject({ receipt: { confirmed: true, readBack: { loginExists: false, sessions: 0 } } });
    await expect(owner.credentials.rotate({ credentialId: credential.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await ledgerText()).not.toContain(password);
  });

  /** Reveals the credential's password as the NHI's owner and opens a session with it; `ended` settles when the server ends it. */
  async function openSession(credential: { id: string; login: string }, ownerId = cast.employee.id) {
    const { password } = await cast.as(ownerId).credentials.reveal({ credentialId: credential.id });
    const session = (await login(credential.login, password)) as pg.Client;
    expect(session).toBeInstanceOf(pg.Client);
    const ended = new Promise<Error>((resolve) => session.on("error", resolve));
    return { password, session, ended };
  }

  it("a manual revoke (the portal's grants.revoke) ends the open session, drops the login (read back) and records credential.revoked with the fingerprint", async () => {
    const { grant, credential } = await issue();
    const { password, session, ended } = await openSession(credential);

    await cast.as(cast.systemOwner.id).grants.revoke({ grantId: grant.id, reason: "The settlement job moved to the new cluster" });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "PENDING_REVOKE" });
    const requested = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "grant.revocation_requested" } });
    expect(requested).toMatchObject({ actorId: cast.systemOwner.id });
    await processProvisioningTasks(db.prisma, new Date(), "worker-a");

    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "REVOKED", revocationCause: "MANUAL" });
    expect((await ended).message).toMatch(/terminat/i);
    await expect(session.query("SELECT 1")).rejects.toThrow();
    expect((await target.admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [credential.login])).rowCount).toBe(0);
    expect(await login(credential.login, password)).toBeInstanceOf(Error);
    expect(await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).toMatchObject({ status: "REVOKED", ciphertext: null });
    const revoked = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "credential.revoked" } });
    expect(revoked.payload).toMatchObject({ credentialId: credential.id, login: credential.login, fingerprint: credential.fingerprint, loginExists: false, sessions: 0, sessionsTerminated: 1 });
    const receipt = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "grant.revoked" } });
    expect(receipt.payload).toMatchObject({ receipt: { confirmed: true, readBack: { loginExists: false, sessions: 0 } } });
    await expect(cast.as(cast.employee.id).credentials.rotate({ credentialId: credential.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await ledgerText()).not.toContain(password);
  });

  // A leaver's flow (identities/lifecycle.ts leavePerson) revokes the person's own grants; an NHI they own
  // keeps its grants and raises an NHI_OWNER_LEFT finding for their manager, who hands it on or revokes.
  // This pins that: an owner's leaving does not end an issued credential by itself (docs/credentials.md).
  it("an owner leaving does not end their NHI's issued login: it keeps working, a finding asks for a new owner; revoking it by hand then ends it", async () => {
    const leaver = await makeHuman(db.prisma, { name: "Lee Leaver", managerId: cast.manager.id });
    const svc = await makeNhi(db.prisma, leaver.id, { name: "svc-nightly-export" });
    const { grant, credential } = await issue(24 * HOUR, svc.id);
    const { session, ended } = await openSession(credential, leaver.id);

    await cast.as(cast.admin.id).grants.deprovisionIdentity({ identityId: leaver.id, reason: "Left the company on the last day of the month" });
    await processProvisioningTasks(db.prisma, new Date(), "worker-a");
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "ACTIVE" });
    expect(await db.prisma.credential.findUniqueOrThrow({ where: { id: credential.id } })).toMatchObject({ status: "ACTIVE" });
    expect((await session.query<{ u: string }>("SELECT current_user AS u")).rows[0]!.u).toBe(credential.login);
    expect(await db.prisma.finding.findFirst({ where: { kind: "NHI_OWNER_LEFT", subjectId: svc.id } })).toMatchObject({ status: "OPEN", assigneeId: cast.manager.id });
    expect(await db.prisma.ledgerEvent.count({ where: { subjectId: grant.id, action: { in: ["grant.revocation_requested", "credential.revoked"] } } })).toBe(0);

    // The manager's way out of the finding when nobody takes the job over: an admin revokes the grant.
    await cast.as(cast.admin.id).grants.revoke({ grantId: grant.id, reason: "Its owner left and nobody took the export job over" });
    await processProvisioningTasks(db.prisma, new Date(), "worker-a");
    expect((await ended).message).toMatch(/terminat/i);
    expect((await target.admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [credential.login])).rowCount).toBe(0);
    const revoked = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: grant.id, action: "credential.revoked" } });
    expect(revoked.payload).toMatchObject({ login: credential.login, fingerprint: credential.fingerprint, loginExists: false, sessionsTerminated: 1 });
  });

  it("an extension issues a login of its own; the extended grant's login is dropped at its end (a membership would continue)", async () => {
    await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, new Date()));
    const { grant: old, credential: oldCred } = await issue(2 * HOUR);
    const owner = cast.as(cast.employee.id);
    const req = await owner.requests.submit({ entitlementId: cast.entitlement.id, beneficiaryId: nhi.id, extendsGrantId: old.id, justification: "The settlement job runs another night while the migration finishes", durationHours: 24 });
    const step = await db.prisma.approvalStep.findFirstOrThrow({ where: { requestId: req.id, status: "OPEN" } });
    await cast.as(cast.manager.id).approvals.decide({ requestId: req.id, stepId: step.id, decision: "APPROVE", expectedRevision: 1, reason: "One more night, then the new job takes over" });
    await processProvisioningTasks(db.prisma, new Date(), "worker-a");
    const successor = await db.prisma.grant.findUniqueOrThrow({ where: { requestId: req.id }, include: { credential: true } });
    expect(successor).toMatchObject({ status: "ACTIVE", credential: { status: "ACTIVE", login: credentialLoginName(successor.id) } });

    const later = new Date(Date.now() + 3 * HOUR);
    await revokeExpiredGrants(db.prisma, later);
    await processProvisioningTasks(db.prisma, later, "worker-a");
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ status: "REVOKED", revocationCause: "EXPIRY" });
    expect(await db.prisma.credential.findUniqueOrThrow({ where: { id: oldCred.id } })).toMatchObject({ status: "REVOKED" });
    expect((await target.admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [oldCred.login])).rowCount).toBe(0);
    expect((await target.admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin", [successor.credential!.login])).rowCount).toBe(1);
  });

  it("reconciliation leaves issued logins and their grants alone: no orphan, no missing access", async () => {
    await issue();
    const run = await cast.as(cast.systemOwner.id).reconciliation.reconcileNow({ systemId: cast.system.id });
    expect(run.counts).toMatchObject({ UNMANAGED_ACCESS: 0, MISSING_ACCESS: 0, ORPHAN_ACCOUNT: 0 });
  });

  it("a person requesting an entitlement that issues credentials is refused at submit, with nothing written", async () => {
    await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, new Date()));
    const before = { requests: await db.prisma.accessRequest.count(), events: await db.prisma.ledgerEvent.count() };
    await expect(
      cast.as(cast.employee.id).requests.submit({ entitlementId: cast.entitlement.id, justification: "I need to run the settlement reconciliation by hand tonight", durationHours: 8 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/non-human identities only/) });
    expect({ requests: await db.prisma.accessRequest.count(), events: await db.prisma.ledgerEvent.count() }).toEqual(before);
  });

  it("only a PostgreSQL system's entitlement may issue credentials (catalog form), and a schedule needs the flag", async () => {
    const admin = cast.as(cast.admin.id);
    const manual = await db.prisma.system.create({ data: { name: `Manual ${randomUUID().slice(0, 6)}`, ownerId: cast.systemOwner.id, description: "x" } });
    const base = { name: "svc-login", risk: "LOW" as const, maxDurationDays: 30 };
    await expect(admin.catalog.createEntitlement({ ...base, systemId: manual.id, issuesCredential: true })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.catalog.createEntitlement({ ...base, systemId: cast.system.id, credentialRotateHours: 24 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const ok = await admin.catalog.createEntitlement({ ...base, systemId: cast.system.id, issuesCredential: true, credentialRotateHours: 24 });
    expect(ok).toMatchObject({ issuesCredential: true, credentialRotateHours: 24 });
    // Nor may the system leave the PostgreSQL connector while an entitlement issues credentials.
    const system = await db.prisma.system.findUniqueOrThrow({ where: { id: cast.system.id } });
    await expect(admin.catalog.updateSystem({ id: system.id, expectedUpdatedAt: system.updatedAt, connector: "MANUAL", connectorConfig: {} })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await db.prisma.system.findUniqueOrThrow({ where: { id: system.id } })).connector).toBe("POSTGRES");
    // The existing entitlement has grants in force: switching it back to memberships is refused.
    const current = await db.prisma.entitlement.findUniqueOrThrow({ where: { id: cast.entitlement.id } });
    await expect(admin.catalog.updateEntitlement({ id: current.id, expectedUpdatedAt: current.updatedAt, issuesCredential: false })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
