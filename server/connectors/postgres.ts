/**
 * The PostgreSQL connector: grants and revokes membership of a role (the entitlement's `externalRef`) for a
 * role that stands for the identity (`w_<the 32 hex digits of its id>`, created NOLOGIN when missing), then
 * reads the catalog (pg_auth_members / pg_roles) back. It is confirmed only when the read-back agrees.
 * Member roles made before 2026-12-03 were named `w_<first 8 hex>`, which two identities can share (at
 * 55,000 people a shared prefix is likely): revocation and read-back still look at that legacy name too, so
 * a membership granted under it is removed with the grant.
 *
 * Settings (System.connectorConfig): { database, host? (default 127.0.0.1), port? (default 5432), user?,
 * secretRef? (the password's reference: env:WARRANT_CONNECTOR_<NAME> or file:<name>; passwords are never
 * stored in settings), sslmode? (disable | require | verify-ca | verify-full; unset = verify-full, or
 * disable for a loopback host), sslRootCertRef? (the CA certificate, PEM, same namespace) }.
 * Identifiers are always quoted with the driver's escapeIdentifier; values are always bound parameters.
 *
 * Nothing comes from the portal's own environment: node-postgres would otherwise fall back to PGPASSWORD,
 * ~/.pgpass and PGSSLMODE, and hand the portal's password to whatever host an admin configured. The
 * password is given explicitly (or refused when the server asks for one and no secretRef is set), and so
 * is the TLS mode.
 */
import { checkServerIdentity, type ConnectionOptions } from "node:tls";
import pg from "pg";
import { effectiveSslMode, PG_DEFAULT_HOST, PG_DEFAULT_PORT, SSL_MODES, type SslMode } from "./pg-target";
import { resolveSecretRef } from "./secrets";
import { ConnectorError, type Connector, type ConnectorCtx, type ListAccessCtx, type Membership, type Receipt } from "./types";

export type PgConfig = { database: string; host: string; port: number; user?: string; secretRef?: string; sslmode: SslMode; sslRootCertRef?: string };

export function postgresConfig(raw: unknown): PgConfig {
  const c = (raw ?? {}) as Partial<Record<keyof PgConfig, unknown>>;
  if (typeof c.database !== "string" || !c.database) throw new ConnectorError("The PostgreSQL connector has no database configured.");
  const host = typeof c.host === "string" && c.host ? c.host : PG_DEFAULT_HOST;
  let sslmode: SslMode | undefined;
  if (c.sslmode !== undefined && c.sslmode !== null) {
    sslmode = SSL_MODES.find((m) => m === c.sslmode);
    if (!sslmode) throw new ConnectorError(`The PostgreSQL connector's sslmode must be one of ${SSL_MODES.join(", ")}.`, { permanent: true });
  }
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    database: c.database,
    host,
    port: typeof c.port === "number" && c.port ? c.port : PG_DEFAULT_PORT,
    user: str(c.user),
    secretRef: str(c.secretRef),
    sslmode: effectiveSslMode(host, sslmode),
    sslRootCertRef: str(c.sslRootCertRef),
  };
}

/**
 * node-postgres `ssl` options for an sslmode (libpq semantics). `false` (not undefined) for disable, so
 * PGSSLMODE in the portal's environment cannot change it.
 */
export function tlsOptions(cfg: PgConfig): false | ConnectionOptions {
  if (cfg.sslmode === "disable") return false;
  if (cfg.sslmode === "require") return { rejectUnauthorized: false };
  const ca = cfg.sslRootCertRef ? resolveSecretRef(cfg.sslRootCertRef, "PostgreSQL connector's CA certificate (sslRootCertRef)") : undefined;
  if (cfg.sslmode === "verify-ca") {
    if (!ca) throw new ConnectorError("The PostgreSQL connector's sslmode verify-ca needs sslRootCertRef (the CA certificate).", { permanent: true });
    // The chain must lead to the CA; the name in the certificate is not checked (that is verify-full).
    return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  }
  // verify-full: the chain (to the CA given, or to Node's public roots) and the host name, checked against
  // the configured host itself, whatever name the TLS layer picked (for an IP address: its IP SANs).
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: (_name, cert) => checkServerIdentity(cfg.host, cert) };
}

/** Where a receipt says the change was made: the address and the TLS mode it was made over. */
export function targetLabel(cfg: PgConfig): string {
  return `postgresql://${cfg.host}:${cfg.port}/${cfg.database}?sslmode=${cfg.sslmode}`;
}

/**
 * The identity a member role stands for, inverted: `w_<32 hex>` → that identity id (lo = hi); a legacy
 * `w_<8 hex>` → the range of UUIDs starting with those digits (the caller must treat a range holding several
 * identities as no identity); null for any other role name (a login made by hand: an orphan account).
 */
export function identityIdRangeOf(account: string): { lo: string; hi: string } | null {
  const full = /^w_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(account);
  if (full) {
    const id = full.slice(1).join("-");
    return { lo: id, hi: id };
  }
  const m = /^w_([0-9a-f]{8})$/.exec(account);
  if (!m) return null;
  return { lo: `${m[1]}-0000-0000-0000-000000000000`, hi: `${m[1]}-ffff-ffff-ffff-ffffffffffff` };
}

function idHex(identityId: string): string {
  const hex = identityId.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new ConnectorError("The identity id is not a UUID.");
  return hex;
}

/** The role that stands for an identity in target databases: the whole id (unique), safe as an identifier (34 of 63 bytes). */
export function memberRoleName(identityId: string): string {
  return `w_${idHex(identityId)}`;
}

/** The member role's name before 2026-12-03 (`w_` + the id's first 8 hex digits): still revoked and read back. */
export function legacyMemberRoleName(identityId: string): string {
  return `w_${idHex(identityId).slice(0, 8)}`;
}

export function targetRole(ctx: ConnectorCtx): string {
  const ref = ctx.entitlement.externalRef?.trim();
  if (!ref) throw new ConnectorError(`The entitlement "${ctx.entitlement.name}" has no externalRef: set it to the PostgreSQL role to grant.`);
  return ref;
}

async function connect(cfg: PgConfig): Promise<pg.Client> {
  // Secrets are resolved before any connection is made: a reference outside the namespace never reaches the host.
  const password = cfg.secretRef ? resolveSecretRef(cfg.secretRef, "PostgreSQL connector") : null;
  const ssl = tlsOptions(cfg);
  // The authentication the server asked for. A server can ask for the password in clear text (or as MD5,
  // crackable offline): a host an admin pointed the connector at would then receive it. Only SCRAM, which
  // proves the password without sending it, gets an answer.
  let asked: "clear text" | "an MD5 hash" | null = null;
  const client = new pg.Client({
    host: cfg.host,
    port: cfg.port,
    database: cfg.database,
    user: cfg.user,
    // A function, always: an absent password would make node-postgres send PGPASSWORD or ~/.pgpass instead.
    password: () => {
      if (password === null) throw new ConnectorError(`The PostgreSQL server at ${cfg.host}:${cfg.port} asks for a password, but the connector has no secretRef.`);
      if (asked) {
        throw new ConnectorError(
          `The PostgreSQL server at ${cfg.host}:${cfg.port} asked for the password as ${asked}; Warrant sends connector passwords only through SCRAM-SHA-256 (set password_encryption = 'scram-sha-256', set the role's password again, and use scram-sha-256 in pg_hba.conf).`,
        );
      }
      return password;
    },
    ssl,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 15_000,
    application_name: "warrant-connector",
  });
  // node-postgres emits the request, then asks for the password in a later microtask: these run first.
  const con = (client as unknown as { connection: { on(event: string, fn: () => void): void } }).connection;
  con.on("authenticationCleartextPassword", () => (asked = "clear text"));
  con.on("authenticationMD5Password", () => (asked = "an MD5 hash"));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    if (e instanceof ConnectorError) throw e;
    throw new ConnectorError(`Could not connect to PostgreSQL at ${targetLabel(cfg)}: ${(e as Error).message}${tlsHint(cfg, e as Error)}`);
  }
  return client;
}

/** A word on what to fix when the TLS handshake is what failed. */
function tlsHint(cfg: PgConfig, e: Error): string {
  const code = (e as { code?: string }).code ?? "";
  if (/does not support SSL/i.test(e.message)) return ` (sslmode ${cfg.sslmode} needs TLS on the server; set sslmode to disable only for a trusted network)`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return ` (the server's certificate does not name ${cfg.host}: connect by a name the certificate carries, or fix the certificate)`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return ` (the server's certificate is not signed by the CA in sslRootCertRef${cfg.sslRootCertRef ? "" : ", which is not set: Node's public roots were used"})`;
  return "";
}

export async function withClient<T>(cfg: PgConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(cfg);
  try {
    return await fn(client);
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    throw new ConnectorError(`PostgreSQL ${targetLabel(cfg)}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

type ReadBack = {
  role: string;
  member: string;
  roleExists: boolean;
  memberRoleExists: boolean;
  isMember: boolean;
  database: string;
  /** The TLS mode asked for, and what the server says of this session (null: it cannot say, e.g. no pg_stat_ssl). */
  tls: { sslmode: SslMode; encrypted: boolean | null; version: string | null };
  checkedAt: string;
  source: string;
  /** The identity's legacy member role (`w_<8 hex>`), when it held the role: see legacyMemberRoleName. */
  legacyMember?: { member: string; wasMember?: boolean; isMember: boolean };
};

/** The server's own view of this session's encryption: evidence that sslmode was in force, not just configured. */
export async function sessionTls(c: pg.Client, cfg: PgConfig): Promise<ReadBack["tls"]> {
  try {
    const res = await c.query<{ ssl: boolean; version: string | null }>("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    const row = res.rows[0];
    return { sslmode: cfg.sslmode, encrypted: row ? row.ssl : null, version: row?.version ?? null };
  } catch {
    return { sslmode: cfg.sslmode, encrypted: null, version: null };
  }
}

async function readBack(c: pg.Client, cfg: PgConfig, role: string, member: string): Promise<ReadBack> {
  const res = await c.query<{ role_exists: boolean; member_exists: boolean; is_member: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role_exists,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS member_exists,
            EXISTS (SELECT 1 FROM pg_auth_members m
                      JOIN pg_roles r ON r.oid = m.roleid
                      JOIN pg_roles u ON u.oid = m.member
                     WHERE r.rolname = $1 AND u.rolname = $2) AS is_member`,
    [role, member],
  );
  const row = res.rows[0]!;
  return {
    role,
    member,
    roleExists: row.role_exists,
    memberRoleExists: row.member_exists,
    isMember: row.is_member,
    database: cfg.database,
    tls: await sessionTls(c, cfg),
    checkedAt: new Date().toISOString(),
    source: "pg_auth_members",
  };
}

const DUPLICATE = new Set(["42710", "23505"]); // duplicate_object; unique_violation (two creators at once)

async function ensureMemberRole(c: pg.Client, member: string, ctx: ConnectorCtx) {
  const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [member]);
  if (exists.rowCount) return;
  try {
    await c.query(`CREATE ROLE ${c.escapeIdentifier(member)} NOLOGIN`);
  } catch (e) {
    if (!DUPLICATE.has((e as { code?: string }).code ?? "")) throw e;
    return;
  }
  const comment = `Warrant identity ${ctx.identity.id} (${ctx.identity.displayName})`;
  await c.query(`COMMENT ON ROLE ${c.escapeIdentifier(member)} IS ${c.escapeLiteral(comment)}`);
}

export async function assertGrantableRole(c: pg.Client, role: string) {
  const res = await c.query<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = $1", [role]);
  if (!res.rowCount) throw new ConnectorError(`The role "${role}" does not exist in the target database: create it there, or fix the entitlement's externalRef.`);
  if (res.rows[0]!.rolsuper) throw new ConnectorError(`The role "${role}" is a superuser role: Warrant refuses to grant it.`);
}

function receipt(cfg: PgConfig, action: "GRANT" | "REVOKE", rb: ReadBack): Receipt {
  return {
    connector: "POSTGRES",
    action,
    target: `${targetLabel(cfg)} role ${rb.role} ${action === "GRANT" ? "→" : "✕"} ${rb.member}`,
    performedAt: new Date().toISOString(),
    readBack: rb,
    confirmed: action === "GRANT" ? rb.isMember : !rb.isMember,
  };
}

/** Rows fetched per round trip of discovery: the catalog is read through a cursor, never as one array. */
export const LIST_PAGE_SIZE = 5000;

/**
 * Every membership of the managed roles (except the credential logins `wc_<grant>`, see postgres-login.ts):
 * pg_auth_members joined to pg_roles, the member's name and the role's name, ordered by both in the "C" collation (byte order), read through a server-side cursor (sorted once,
 * fetched LIST_PAGE_SIZE rows at a time) in a read-only transaction.
 */
async function* listMemberships(ctx: ListAccessCtx): AsyncGenerator<Membership> {
  const cfg = postgresConfig(ctx.system.connectorConfig);
  if (ctx.managedRefs.length === 0) return;
  const client = await connect(cfg);
  const fail = (e: unknown) => (e instanceof ConnectorError ? e : new ConnectorError(`PostgreSQL ${targetLabel(cfg)}: ${(e as Error).message}`));
  try {
    try {
      await client.query("BEGIN READ ONLY");
      await client.query(
        `DECLARE warrant_discovery NO SCROLL CURSOR FOR
           SELECT u.rolname::text AS account, r.rolname::text AS ref
             FROM pg_auth_members m
             JOIN pg_roles r ON r.oid = m.roleid
             JOIN pg_roles u ON u.oid = m.member
            WHERE r.rolname::text = ANY($1::text[])
              -- Logins issued as credentials (wc_<grant>, postgres-login.ts) belong to their grant, not to an
              -- identity: their lifecycle is the credential's (issue, rotate, drop), not reconciliation's.
              AND u.rolname::text !~ '^wc_[0-9a-f]{32}$'
            ORDER BY u.rolname::text COLLATE "C", r.rolname::text COLLATE "C"`,
        [ctx.managedRefs],
      );
    } catch (e) {
      throw fail(e);
    }
    for (;;) {
      let res: pg.QueryResult<{ account: string; ref: string }>;
      try {
        res = await client.query<{ account: string; ref: string }>(`FETCH ${LIST_PAGE_SIZE} FROM warrant_discovery`);
      } catch (e) {
        throw fail(e);
      }
      for (const row of res.rows) yield { account: row.account, externalRef: row.ref };
      if (res.rows.length < LIST_PAGE_SIZE) break;
    }
    await client.query("COMMIT").catch(() => undefined);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresConnector: Connector = {
  listAccess: listMemberships,
  async revokeAccount(ctx, m) {
    const cfg = postgresConfig(ctx.system.connectorConfig);
    if (!ctx.managedRefs.includes(m.externalRef)) throw new ConnectorError(`The role "${m.externalRef}" is not one the catalog manages in this system.`, { permanent: true });
    return withClient(cfg, async (c) => {
      const before = await readBack(c, cfg, m.externalRef, m.account);
      if (before.isMember) await c.query(`REVOKE ${c.escapeIdentifier(m.externalRef)} FROM ${c.escapeIdentifier(m.account)}`);
      return receipt(cfg, "REVOKE", await readBack(c, cfg, m.externalRef, m.account));
    });
  },
  async grant(ctx) {
    const cfg = postgresConfig(ctx.system.connectorConfig);
    const role = targetRole(ctx);
    const member = memberRoleName(ctx.identity.id);
    return withClient(cfg, async (c) => {
      await assertGrantableRole(c, role);
      await ensureMemberRole(c, member, ctx);
      // Granting a membership that exists is a notice, not an error: the action is idempotent.
      await c.query(`GRANT ${c.escapeIdentifier(role)} TO ${c.escapeIdentifier(member)}`);
      return receipt(cfg, "GRANT", await readBack(c, cfg, role, member));
    });
  },
  async revoke(ctx) {
    const cfg = postgresConfig(ctx.system.connectorConfig);
    const role = targetRole(ctx);
    const member = memberRoleName(ctx.identity.id);
    const legacy = legacyMemberRoleName(ctx.identity.id);
    return withClient(cfg, async (c) => {
      const before = await readBack(c, cfg, role, member);
      // Nothing to remove when either role is gone or the membership is not there: already revoked.
      if (before.isMember) await c.query(`REVOKE ${c.escapeIdentifier(role)} FROM ${c.escapeIdentifier(member)}`);
      // A membership granted under the legacy name goes too (if another identity shares that name, it loses the
      // membership as well: reconciliation then finds its access missing and re-provisions it under its own name).
      const legacyBefore = await readBack(c, cfg, role, legacy);
      if (legacyBefore.isMember) await c.query(`REVOKE ${c.escapeIdentifier(role)} FROM ${c.escapeIdentifier(legacy)}`);
      const rb = await readBack(c, cfg, role, member);
      if (!legacyBefore.isMember) return receipt(cfg, "REVOKE", rb);
      const legacyAfter = await readBack(c, cfg, role, legacy);
      const r = receipt(cfg, "REVOKE", { ...rb, legacyMember: { member: legacy, wasMember: true, isMember: legacyAfter.isMember } });
      return { ...r, confirmed: r.confirmed && !legacyAfter.isMember };
    });
  },
  async readAccess(ctx) {
    const cfg = postgresConfig(ctx.system.connectorConfig);
    const role = targetRole(ctx);
    const member = memberRoleName(ctx.identity.id);
    const legacy = legacyMemberRoleName(ctx.identity.id);
    return withClient(cfg, async (c) => {
      const rb = await readBack(c, cfg, role, member);
      const viaLegacy = (await readBack(c, cfg, role, legacy)).isMember;
      return { hasAccess: rb.isMember || viaLegacy, readBack: viaLegacy ? { ...rb, legacyMember: { member: legacy, isMember: true } } : rb };
    });
  },
};
