/**
 * Credentials issued by the control plane on PostgreSQL (docs/credentials.md): for a grant whose entitlement
 * issues credentials, a LOGIN role of the grant's own, `wc_<the grant id's 32 hex digits>`, with a generated
 * password, `VALID UNTIL` the grant's end, a connection limit, member of the entitlement's role; rotated by
 * setting a new password; at the end blocked (NOLOGIN), its sessions terminated, and dropped. Each step is
 * read back from the catalog (pg_roles, pg_auth_members, pg_stat_activity) and confirmed only when it agrees.
 *
 * The password never travels to the target in clear: the connector computes the SCRAM-SHA-256 verifier
 * itself (RFC 5802/7677, as PostgreSQL stores it in pg_authid.rolpassword) and sends that, so the statement
 * text (which a server may log) holds no secret. The fingerprint is SHA-256 of that verifier: it changes with
 * every issuance and rotation (fresh salt and password), reveals nothing usable (the verifier is already a
 * salted, iterated one-way derivation; its hash is one more step away), and can be checked against the
 * target by anyone allowed to read pg_authid (the read-back does it when the connector's role may).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type pg from "pg";
import { assertGrantableRole, postgresConfig, sessionTls, targetLabel, targetRole, withClient, type PgConfig } from "./postgres";
import { ConnectorError, type Connector, type CredentialCtx, type CredentialResult, type Receipt } from "./types";

/** At most this many sessions at once for one issued login: a workload's pool, not a fleet. */
export const CREDENTIAL_CONNECTION_LIMIT = 10;
/** PostgreSQL's own default iteration count for SCRAM-SHA-256 verifiers (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/** The login a grant's credential uses: the whole grant id (unique), 35 of the 63 bytes of an identifier. */
export function credentialLoginName(grantId: string): string {
  const hex = grantId.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new ConnectorError("The grant id is not a UUID.");
  return `wc_${hex}`;
}

/** 32 random bytes as base64url: 256 bits, ASCII only (SASLprep leaves it unchanged), no quoting trouble. */
export function generatePassword(): string {
  return randomBytes(32).toString("base64url");
}

/** The SCRAM-SHA-256 verifier PostgreSQL stores for `password` with `salt`: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(password.normalize("NFKC"), "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** The credential's fingerprint: `sha256:` + hex SHA-256 of its SCRAM verifier (see the header for why). */
export function credentialFingerprint(verifier: string): string {
  return `sha256:${createHash("sha256").update(verifier, "utf8").digest("hex")}`;
}

type LoginReadBack = {
  login: string;
  role: string;
  loginExists: boolean;
  canLogin: boolean;
  validUntil: string | null;
  connectionLimit: number | null;
  isMember: boolean;
  /** The fingerprint of the verifier the target holds, when the connector may read pg_authid (superuser); else null. */
  targetFingerprint: string | null;
  sessions: number;
  database: string;
  tls: Awaited<ReturnType<typeof sessionTls>>;
  checkedAt: string;
  source: string;
};

async function readLogin(c: pg.Client, cfg: PgConfig, role: string, login: string): Promise<LoginReadBack> {
  const res = await c.query<{ rolcanlogin: boolean; rolvaliduntil: Date | null; rolconnlimit: number; is_member: boolean }>(
    `SELECT u.rolcanlogin, u.rolvaliduntil, u.rolconnlimit,
            EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = u.oid AND r.rolname = $2) AS is_member
       FROM pg_roles u WHERE u.rolname = $1`,
    [login, role],
  );
  const sessions = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1", [login]);
  let targetFingerprint: string | null = null;
  try {
    const pw = await c.query<{ rolpassword: string | null }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [login]);
    const v = pw.rows[0]?.rolpassword;
    targetFingerprint = v ? credentialFingerprint(v) : null;
  } catch {
    // Not a superuser: pg_authid is out of reach; the fingerprint is then checked by someone who may read it.
  }
  const row = res.rows[0];
  return {
    login,
    role,
    loginExists: !!row,
    canLogin: row?.rolcanlogin ?? false,
    validUntil: row?.rolvaliduntil ? new Date(row.rolvaliduntil).toISOString() : null,
    connectionLimit: row ? row.rolconnlimit : null,
    isMember: row?.is_member ?? false,
    targetFingerprint,
    sessions: sessions.rows[0]?.n ?? 0,
    database: cfg.database,
    tls: await sessionTls(c, cfg),
    checkedAt: new Date().toISOString(),
    source: "pg_roles, pg_auth_members, pg_stat_activity",
  };
}

function loginReceipt(cfg: PgConfig, action: "GRANT" | "REVOKE", rb: LoginReadBack, confirmed: boolean, what: string): Receipt {
  return { connector: "POSTGRES", action, target: `${targetLabel(cfg)} ${what} ${rb.login} (role ${rb.role})`, performedAt: new Date().toISOString(), readBack: rb, confirmed };
}

/** The read-back agrees with an issued / rotated login: it exists, may log in until the grant's end, holds the role, has our verifier. */
function issuedAsIntended(rb: LoginReadBack, validUntil: Date, fingerprint: string): boolean {
  return (
    rb.loginExists &&
    rb.canLogin &&
    rb.validUntil !== null &&
    new Date(rb.validUntil).getTime() === validUntil.getTime() &&
    rb.isMember &&
    rb.connectionLimit === CREDENTIAL_CONNECTION_LIMIT &&
    (rb.targetFingerprint === null || rb.targetFingerprint === fingerprint)
  );
}

async function setPassword(c: pg.Client, ctx: CredentialCtx, opts: { create: boolean }): Promise<{ password: string; fingerprint: string }> {
  const { login, validUntil } = ctx.credential;
  const password = generatePassword();
  const verifier = scramVerifier(password);
  const attrs = `LOGIN INHERIT PASSWORD ${c.escapeLiteral(verifier)} VALID UNTIL ${c.escapeLiteral(validUntil.toISOString())} CONNECTION LIMIT ${CREDENTIAL_CONNECTION_LIMIT}`;
  const exists = (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login])).rowCount;
  if (!exists && !opts.create) {
    throw new ConnectorError(`The login "${login}" does not exist in the target any more: a rotation never re-creates access.`, { permanent: true });
  }
  if (exists) {
    await c.query(`ALTER ROLE ${c.escapeIdentifier(login)} ${attrs}`);
  } else {
    await c.query(`CREATE ROLE ${c.escapeIdentifier(login)} ${attrs}`);
    const comment = `Warrant credential of grant ${ctx.credential.grantId} for ${ctx.identity.displayName} (${ctx.identity.id})`;
    await c.query(`COMMENT ON ROLE ${c.escapeIdentifier(login)} IS ${c.escapeLiteral(comment)}`);
  }
  return { password, fingerprint: credentialFingerprint(verifier) };
}

/** Issues (or, on a retry, re-issues with a new password) the grant's login. */
async function issueCredential(ctx: CredentialCtx): Promise<CredentialResult> {
  const cfg = postgresConfig(ctx.system.connectorConfig);
  const role = targetRole(ctx);
  if (ctx.identity.kind === "HUMAN") throw new ConnectorError("Credentials are issued to non-human identities only.", { permanent: true });
  return withClient(cfg, async (c) => {
    await assertGrantableRole(c, role);
    const { password, fingerprint } = await setPassword(c, ctx, { create: true });
    await c.query(`GRANT ${c.escapeIdentifier(role)} TO ${c.escapeIdentifier(ctx.credential.login)}`);
    const rb = await readLogin(c, cfg, role, ctx.credential.login);
    const receipt = loginReceipt(cfg, "GRANT", rb, issuedAsIntended(rb, ctx.credential.validUntil, fingerprint), "login");
    return { receipt, secret: { login: ctx.credential.login, password, fingerprint, validUntil: ctx.credential.validUntil.toISOString() } };
  });
}

/** A new password on the existing login (the old one stops working at once; open sessions are not ended). */
async function rotateCredential(ctx: CredentialCtx): Promise<CredentialResult> {
  const cfg = postgresConfig(ctx.system.connectorConfig);
  const role = targetRole(ctx);
  return withClient(cfg, async (c) => {
    const { password, fingerprint } = await setPassword(c, ctx, { create: false });
    const rb = await readLogin(c, cfg, role, ctx.credential.login);
    const receipt = loginReceipt(cfg, "GRANT", rb, issuedAsIntended(rb, ctx.credential.validUntil, fingerprint), "new password for");
    return { receipt, secret: { login: ctx.credential.login, password, fingerprint, validUntil: ctx.credential.validUntil.toISOString() } };
  });
}

/** How long pg_terminate_backend waits for each session to end (PostgreSQL 14+). */
const TERMINATE_WAIT_MS = 5000;

/**
 * Blocks new logins first (NOLOGIN), then ends every session of the login (waiting for each to go), then drops
 * it (objects it owns in this database are handed to the entitlement's role first). Idempotent: a login
 * already gone is confirmed as revoked.
 */
async function revokeCredential(ctx: CredentialCtx): Promise<Receipt> {
  const cfg = postgresConfig(ctx.system.connectorConfig);
  const role = targetRole(ctx);
  const login = ctx.credential.login;
  return withClient(cfg, async (c) => {
    const id = c.escapeIdentifier(login);
    const exists = (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login])).rowCount;
    let terminated = 0;
    if (exists) {
      await c.query(`ALTER ROLE ${id} NOLOGIN`);
      const t = await c.query<{ ok: boolean }>("SELECT pg_terminate_backend(pid, $2) AS ok FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [login, TERMINATE_WAIT_MS]);
      terminated = t.rows.filter((r) => r.ok).length;
      try {
        await c.query(`DROP ROLE IF EXISTS ${id}`);
      } catch (e) {
        if ((e as { code?: string }).code !== "2BP01") throw e; // dependent_objects_still_exist
        await c.query(`REASSIGN OWNED BY ${id} TO ${c.escapeIdentifier(role)}`);
        await c.query(`DROP OWNED BY ${id}`);
        await c.query(`DROP ROLE IF EXISTS ${id}`);
      }
    }
    const rb = await readLogin(c, cfg, role, login);
    const receipt = loginReceipt(cfg, "REVOKE", rb, !rb.loginExists && rb.sessions === 0, "dropped login");
    return { ...receipt, readBack: { ...rb, existedBefore: !!exists, sessionsTerminated: terminated } };
  });
}

/** The PostgreSQL connector's credential methods (merged into the POSTGRES connector in ./index.ts). */
export const postgresLogins: Pick<Connector, "issueCredential" | "rotateCredential" | "revokeCredential"> = { issueCredential, rotateCredential, revokeCredential };
