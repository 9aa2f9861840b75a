/**
 * The built portal for HTTP benchmarks: build it if its sources changed (scripts/build-if-changed.mjs), serve it
 * with scripts/serve.mjs against a PostgreSQL database, and sign people in the way the portal does (a Session
 * row through the sessions service, and a next-auth JWT carrying its id, signed with the portal's secret).
 * Nothing is added to the portal: the cookie is the one its own sign-in would have set.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "next-auth/jwt";
import type { PrismaClient } from "../../server/db";
import { startSession } from "../../server/domain/sessions/service";
import { SESSION_MAX_AGE_S } from "../../server/auth/options";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`))));
  });
}

/** `npm start`'s build step: builds only when the portal's sources changed since the last build. */
export function buildIfChanged() {
  return run(process.execPath, [path.join(root, "scripts/build-if-changed.mjs")]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export type Portal = { origin: string; secret: string; pid: number; stop(): Promise<void> };

/**
 * Serves the built portal (sessions signed with `secret`, its NEXTAUTH_SECRET) on a free port against `databaseUrl`
 * (or the embedded database in `pgliteDir`, migrated and seeded by the portal at start, as `npm start` does), with
 * `extraEnv` on top, on `fixedPort` if given (a portal restarted with other settings keeps its origin). Background jobs stay off (IN_PROCESS_WORKER=false:
 * they are measured by their own benchmarks) and the per-person/per-address rate limits are off (a benchmark is
 * one address sending thousands of calls a second); everything else is the production configuration.
 */
export async function startPortal(databaseUrl: string | { pgliteDir: string }, secret: string, extraEnv: Record<string, string> = {}, fixedPort?: number): Promise<Portal> {
  const port = fixedPort ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    ...(typeof databaseUrl === "string" ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: databaseUrl.pgliteDir }),
    PORT: String(port),
    HOST: "127.0.0.1",
    NEXTAUTH_URL: origin,
    NEXTAUTH_SECRET: secret,
    IN_PROCESS_WORKER: "false",
    LOG_LEVEL: "warn",
    RATE_LIMIT_CALLS_PER_PERSON: "0",
    RATE_LIMIT_CALLS_PER_ADDRESS: "0",
    RATE_LIMIT_DOWNLOADS_PER_PERSON: "0",
  };
  delete env.DEMO_LOGIN;
  delete env.TEST_PG_ADMIN_URL;
  if (typeof databaseUrl !== "string") delete env.DATABASE_URL;
  Object.assign(env, extraEnv);
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/serve.mjs")], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error("the portal exited before it answered");
    try {
      const res = await fetch(`${origin}/signin`);
      if (res.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error("the portal did not answer within 3 minutes");
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    origin,
    secret,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Signs a person in as the OIDC sign-in would: a Session row (with its `session.started` ledger event) and the
 * next-auth session cookie holding the JWT with its id. Returns the Cookie header value.
 */
export async function signIn(prisma: PrismaClient, secret: string, identityId: string): Promise<string> {
  const identity = await prisma.identity.findUniqueOrThrow({ where: { id: identityId }, select: { email: true, displayName: true } });
  const now = new Date();
  const sid = await startSession(prisma, { identityId, method: "oidc", now, maxAgeMs: SESSION_MAX_AGE_S * 1000 });
  const jwt = await encode({ secret, maxAge: SESSION_MAX_AGE_S, token: { sub: identityId, email: identity.email, name: identity.displayName, identityId, sid } });
  return `next-auth.session-token=${jwt}`;
}
