/**
 * Validated configuration. Every variable the server reads is declared here; a wrong value stops the
 * process at start with a message that names the variable and says what is expected.
 */
import path from "node:path";
import { z } from "zod";
import { DEMO_TARGET_DEFAULT_PORT } from "./demo-target/config";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** A per-window attempt count for a rate limit: a whole number, 0 turns the limit off. */
const rateLimit = (dflt: number) =>
  z.coerce
    .number({ message: "must be a whole number of attempts per window (0 turns the limit off)" })
    .int({ message: "must be a whole number of attempts per window (0 turns the limit off)" })
    .min(0, { message: "must be 0 (off) or more" })
    .max(1_000_000, { message: "must be at most 1000000" })
    .default(dflt);

/** `p` is `dir` or inside it (both resolved against the working directory). */
function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(path.resolve(/* turbopackIgnore: true */ dir), path.resolve(/* turbopackIgnore: true */ p));
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * Connections to PostgreSQL per process. Each transaction holds one connection for its whole life, and
 * most of that life is spent waiting (round trips, advisory locks, the ledger head), not on the CPU: on a
 * two-core database the measured sweet spot is 20 (bench/submit.ts); more only queue inside PostgreSQL.
 */
export const DEFAULT_POOL_MAX = 20;
export const ZPoolMax = z.coerce
  .number({ message: "must be a whole number of connections between 1 and 1000" })
  .int({ message: "must be a whole number of connections between 1 and 1000" })
  .min(1, { message: "must be a whole number of connections between 1 and 1000" })
  .max(1000, { message: "must be a whole number of connections between 1 and 1000" })
  .default(DEFAULT_POOL_MAX);

const ZEnv = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: "must be a postgresql:// connection string (leave it unset for the embedded database)" })
      .optional(),
    PGLITE_DIR: z.string().min(1).default(".data/pglite"),
    /** PostgreSQL only: connections this process keeps open at most (see ZPoolMax). */
    DATABASE_POOL_MAX: ZPoolMax,
    /**
     * The address `npm start` listens on (scripts/serve.mjs). Unset = 127.0.0.1 only; set it (e.g. 0.0.0.0)
     * to serve other machines. With demo sign-in on, a non-loopback host is refused at start.
     */
    HOST: z
      .string()
      .regex(/^[A-Za-z0-9.:[\]_-]+$/, { message: "must be a host name or an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0" })
      .optional(),
    /**
     * The portal is behind a reverse proxy that appends the client's address to X-Forwarded-For: the client
     * address (rate limits) is then the last entry of that header instead of the socket's peer.
     */
    TRUST_PROXY: bool.optional(),
    /** Length of a rate-limit window in seconds; every RATE_LIMIT_* count is per window. */
    RATE_LIMIT_WINDOW_SECONDS: z.coerce
      .number({ message: "must be a whole number of seconds between 1 and 3600" })
      .int({ message: "must be a whole number of seconds between 1 and 3600" })
      .min(1, { message: "must be a whole number of seconds between 1 and 3600" })
      .max(3600, { message: "must be a whole number of seconds between 1 and 3600" })
      .default(60),
    /** Sign-in attempts per client address per window. */
    RATE_LIMIT_SIGNIN_PER_ADDRESS: rateLimit(60),
    /** Sign-in attempts per client address and email per window (the demo sign-in names the email). */
    RATE_LIMIT_SIGNIN_PER_ACCOUNT: rateLimit(20),
    /** tRPC procedure calls per signed-in person per window (each call of a batch counts). */
    RATE_LIMIT_CALLS_PER_PERSON: rateLimit(600),
    /** tRPC procedure calls per client address per window, signed in or not (each call of a batch counts). */
    RATE_LIMIT_CALLS_PER_ADDRESS: rateLimit(3000),
    /** SCIM requests per SCIM client (per token's identity), per window. */
    RATE_LIMIT_SCIM_PER_CLIENT: rateLimit(1200),
    /** REST API (/api/v1) requests per API client (per token's identity), per window. */
    RATE_LIMIT_API_PER_CLIENT: rateLimit(1200),
    /** Downloads (evidence packs, CSV reports, the public key) per signed-in person per window. */
    RATE_LIMIT_DOWNLOADS_PER_PERSON: rateLimit(60),
    /** File uploads (the HR import, up to 64 MiB each) per signed-in person per window. */
    RATE_LIMIT_UPLOADS_PER_PERSON: rateLimit(10),
    PORT: z.coerce.number({ message: "must be a port number" }).int().min(1).max(65535).default(3000),
    NEXTAUTH_URL: z.url({ message: "must be the portal's public URL, e.g. https://warrant.example.com" }).optional(),
    NEXTAUTH_SECRET: z.string().min(32, { message: "must be at least 32 characters (e.g. `openssl rand -base64 32`)" }).optional(),
    OIDC_ISSUER: z.url({ message: "must be the issuer URL of your identity provider" }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().min(1).default("your company account"),
    DEMO_LOGIN: bool.optional(),
    /** Seed the demo organisation into an empty PostgreSQL at start (the embedded database always is). */
    SEED_DEMO: bool.optional(),
    /** Tests and demos only: let the business clock be moved (shared through the database). */
    CLOCK_CONTROL: bool.optional(),
    /** SMTP for email notifications, e.g. smtp://user:pass@mail.example:587. Unset = in-app notifications only. */
    SMTP_URL: z.string().regex(/^smtps?:\/\//, { message: "must be an smtp:// or smtps:// URL" }).optional(),
    MAIL_FROM: z.string().min(3).default("Warrant <warrant@localhost>"),
    /**
     * The demo's "Production Database" target (server/demo-target): an embedded PostgreSQL (PGlite over the
     * wire protocol, on 127.0.0.1 only) started with the portal. Default on for the embedded database, off
     * with DATABASE_URL. DEMO_TARGET_PORT must match the port in the demo system's connector settings.
     */
    DEMO_TARGET: bool.optional(),
    DEMO_TARGET_PORT: z.coerce.number({ message: "must be a port number" }).int().min(1).max(65535).default(DEMO_TARGET_DEFAULT_PORT),
    /** Where the demo target keeps its data. Unset = `demo-target` beside PGLITE_DIR (.data/demo-target). */
    DEMO_TARGET_DIR: z.string().min(1).optional(),
    /** Run background jobs inside the portal process (default on); `npm run worker` runs them separately. */
    IN_PROCESS_WORKER: bool.optional(),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /** Ed25519 signing key for checkpoints and evidence packs (PEM, PKCS#8). Unset = generated at the first start into .data/keys/. */
    EVIDENCE_KEY_FILE: z.string().min(1).optional(),
    /**
     * AES-256 key (32 random bytes, base64, in a file) sealing issued credential passwords until their owner
     * reveals them (docs/credentials.md). Unset = generated at first use into .data/keys/credential-aes256.key.
     */
    CREDENTIAL_KEY_FILE: z.string().min(1).optional(),
    /** Where evidence packs exported from the portal are written. */
    EVIDENCE_DIR: z.string().min(1).default(".data/evidence"),
    /** Days a pack built in the portal is kept after it is built; then the retention job removes its file (status EXPIRED). */
    EVIDENCE_RETENTION_DAYS: z.coerce
      .number({ message: "must be a whole number of days, at least 1" })
      .int({ message: "must be a whole number of days, at least 1" })
      .min(1, { message: "must be a whole number of days, at least 1" })
      .max(36500, { message: "must be at most 36500 days (100 years)" })
      .default(30),
    /**
     * Folder of connector secrets named by `file:<name>` references (one file per secret). Unset = file:
     * references are refused. Keep it apart from .data/ and from the portal's own secrets.
     */
    CONNECTOR_SECRETS_DIR: z.string().min(1).optional(),
    /**
     * Witnesses of signed checkpoints (docs/evidence-pack.md, "Witnessed checkpoints"): every checkpoint is
     * also sent to each one configured here. WITNESS_FILE: an append-only JSON Lines file (absolute path).
     */
    WITNESS_FILE: z.string().regex(/^\//, { message: "must be an absolute path to the append-only witness file, e.g. /var/lib/warrant-witness/checkpoints.jsonl" }).optional(),
    /** A folder receiving one file per checkpoint, never overwritten (absolute path). */
    WITNESS_DIR: z.string().regex(/^\//, { message: "must be an absolute path to the witness folder, e.g. /mnt/worm/warrant-checkpoints" }).optional(),
    /** The audit mailbox each checkpoint is mailed to (needs SMTP_URL). */
    WITNESS_EMAIL: z.email({ message: "must be the email address of the audit mailbox, e.g. audit@example.com" }).optional(),
    /** Comma-separated http(s) URLs each checkpoint is POSTed to, signed with WITNESS_WEBHOOK_SECRET. */
    WITNESS_WEBHOOK_URLS: z
      .string()
      .transform((v) => v.split(",").map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(z.url({ protocol: /^https?$/, message: "must be a comma-separated list of http:// or https:// URLs" })).min(1, { message: "must name at least one URL" }))
      .optional(),
    /** Shared secret of the witness webhooks' HMAC signature (the webhook connector's X-Warrant-Signature convention). */
    WITNESS_WEBHOOK_SECRET: z.string().min(32, { message: "must be at least 32 characters (e.g. `openssl rand -base64 32`)" }).optional(),
  })
  .superRefine((env, ctx) => {
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({ code: "custom", path: ["OIDC_ISSUER"], message: "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together" });
    }
    if (env.WITNESS_EMAIL && !env.SMTP_URL) {
      ctx.addIssue({ code: "custom", path: ["WITNESS_EMAIL"], message: "needs SMTP_URL: the checkpoints are mailed through it" });
    }
    if (env.WITNESS_WEBHOOK_URLS && !env.WITNESS_WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["WITNESS_WEBHOOK_SECRET"], message: "must be set when WITNESS_WEBHOOK_URLS is: the witness calls are signed with it" });
    }
    if (env.WITNESS_FILE && env.WITNESS_DIR && isWithin(env.WITNESS_FILE, env.WITNESS_DIR)) {
      ctx.addIssue({ code: "custom", path: ["WITNESS_FILE"], message: "must not be WITNESS_DIR or inside it: the folder holds one file per checkpoint" });
    }
    for (const [name, value] of [["WITNESS_FILE", env.WITNESS_FILE], ["WITNESS_DIR", env.WITNESS_DIR]] as const) {
      // A witness kept in the portal's own data folders is no witness: it must be outside the portal's control.
      const inside = value && [env.PGLITE_DIR, env.EVIDENCE_DIR].some((d) => isWithin(value, d));
      if (inside) ctx.addIssue({ code: "custom", path: [name], message: "must be outside the portal's data folders (PGLITE_DIR, EVIDENCE_DIR): a witness kept in the portal's own storage witnesses nothing" });
    }
  });

/**
 * Every setting the portal reads. None may start with WARRANT_CONNECTOR_ (the connector secrets namespace,
 * see server/connectors/secret-ref.ts): that is what keeps a connector from naming the portal's own secrets.
 */
export const ENV_KEYS = Object.keys(ZEnv.shape);

export type Env = z.infer<typeof ZEnv> & {
  /** Demo sign-in (pick a demo account) is on for the embedded demo, or when DEMO_LOGIN=true. */
  demoLogin: boolean;
  embedded: boolean;
  /** The demo target runs with the portal (server/demo-target): DEMO_TARGET, default on for the embedded database. */
  demoTarget: boolean;
  demoTargetDir: string;
  oidcEnabled: boolean;
};

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const res = ZEnv.safeParse(cleaned);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  - ${i.path.join(".") || "environment"}: ${i.message}`);
    throw new EnvError(`Warrant cannot start: the configuration is invalid.\n${lines.join("\n")}\nSee docs/configuration.md.`);
  }
  const e = res.data;
  const embedded = !e.DATABASE_URL;
  return {
    ...e,
    embedded,
    demoLogin: e.DEMO_LOGIN ?? embedded,
    demoTarget: e.DEMO_TARGET ?? embedded,
    demoTargetDir: e.DEMO_TARGET_DIR ?? path.join(path.dirname(e.PGLITE_DIR), "demo-target"),
    oidcEnabled: Boolean(e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET),
  };
}

let cached: Env | undefined;
/** The validated environment of this process (parsed once). */
export function env(): Env {
  if (!cached) {
    cached = parseEnv();
    // next-auth reads its URL from process.env. Without NEXTAUTH_URL it would assume port 3000; derive it
    // from PORT, and let the demo follow whatever host the browser used (localhost or 127.0.0.1).
    if (!cached.NEXTAUTH_URL) {
      process.env.NEXTAUTH_URL = `http://localhost:${cached.PORT}`;
      if (cached.embedded) process.env.AUTH_TRUST_HOST ??= "true";
    }
  }
  return cached;
}
