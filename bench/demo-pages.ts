/**
 * npm run bench (the embedded default): every page of the demo organisation, per demo role, on PGlite, against
 * issue 13's target of 300 ms. Not a test: it prints figures, nothing passes or fails.
 *
 * 1. Builds the portal if its sources changed and serves it (scripts/serve.mjs) on a new embedded database in a
 *    temporary folder, which the portal migrates and seeds with the demo organisation at start, as `npm start`
 *    does. Background jobs and the demo's PostgreSQL target stay off; rate limits are off.
 * 2. Signs each demo role in through the portal's own demo sign-in (next-auth's CSRF token, then its callback).
 * 3. Finds the role's pages as the accessibility spec does: the main navigation, the notifications, their own
 *    profile, then the first link to each kind of detail page (e2e/page-kinds.ts) and every audit page.
 * 4. Fetches each page BENCH_PAGE_WARMUP times (default 2, not counted: the first render compiles nothing in
 *    production but fills PGlite's caches), then BENCH_PAGE_RUNS times (default 10) one after another, reading the
 *    whole HTML. Prints p50 / p95 / max per page and the pages whose p95 is over 300 ms.
 *
 * The machine's load average is printed at the start and the end: on a shared 2-core machine the figures move
 * with it.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { DEMO_ACCOUNTS } from "../server/domain/identities/demo-accounts";
import { queueLinkedPages } from "../e2e/page-kinds";
import { buildIfChanged, startPortal, type Portal } from "./lib/portal";

const RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 10);
const WARMUP = Number(process.env.BENCH_PAGE_WARMUP ?? 2);
const TARGET_MS = 300;

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" / ");

/** Cookies set by a response, as name → value. */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair!.indexOf("=");
    out.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
  }
  return out;
}

/** The demo sign-in, over HTTP the way the sign-in page's form does it. Returns the Cookie header. */
async function signIn(portal: Portal, email: string): Promise<string> {
  const csrf = await fetch(`${portal.origin}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = setCookies(csrf);
  const res = await fetch(`${portal.origin}/api/auth/callback/demo`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: portal.origin,
      Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
    },
    body: new URLSearchParams({ csrfToken, email, callbackUrl: `${portal.origin}/` }).toString(),
  });
  for (const [k, v] of setCookies(res)) jar.set(k, v);
  const session = [...jar.keys()].find((k) => k.endsWith("next-auth.session-token"));
  if (!session) throw new Error(`the demo sign-in of ${email} set no session cookie (HTTP ${res.status})`);
  return `${session}=${jar.get(session)}`;
}

/** Internal page links inside the first element opened by `open` (e.g. `<main`), up to its closing tag. */
function linksIn(html: string, open: RegExp, close: string): string[] {
  const m = open.exec(html);
  if (!m) return [];
  const end = html.indexOf(close, m.index);
  const part = html.slice(m.index, end < 0 ? undefined : end);
  const out: string[] = [];
  for (const h of part.matchAll(/href="(\/[^"#?]*)/g)) out.push(h[1]!);
  return out;
}

async function get(portal: Portal, cookie: string, p: string): Promise<{ ms: number; status: number; html: string }> {
  const t0 = performance.now();
  const res = await fetch(`${portal.origin}${p}`, { headers: { Cookie: cookie }, redirect: "manual" });
  const html = await res.text();
  return { ms: performance.now() - t0, status: res.status, html };
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function main() {
  console.log(`Demo pages on the embedded database (PGlite). Machine: ${os.cpus().length} cores, load average ${load()} (1/5/15 min).`);
  await buildIfChanged();
  const dir = mkdtempSync(path.join(os.tmpdir(), "warrant-bench-pglite-"));
  const pgliteDir = path.join(dir, "pglite");
  const env = { DEMO_LOGIN: "true", DEMO_TARGET: "false", EVIDENCE_DIR: path.join(dir, "evidence"), EVIDENCE_KEY_FILE: path.join(dir, "evidence-ed25519.pem") };
  // A signing key of its own, so the bench never touches the checkout's .data/keys.
  writeFileSync(env.EVIDENCE_KEY_FILE, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const t0 = Date.now();
  // What `npm start`'s prestart does: migrate the new embedded database and load the demo organisation.
  const { DATABASE_URL: _url, ...inherited } = process.env;
  execFileSync(process.execPath, ["--import", "tsx", "scripts/prepare-db.ts"], { env: { ...inherited, ...env, PGLITE_DIR: pgliteDir }, stdio: ["ignore", "ignore", "inherit"] });
  const portal = await startPortal({ pgliteDir }, randomBytes(32).toString("base64"), env);
  console.log(`  demo organisation loaded and portal up in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${RUNS} timed fetches per page after ${WARMUP} warm-ups`);
  const slow: string[] = [];
  let pages = 0;
  try {
    for (const account of DEMO_ACCOUNTS) {
      const cookie = await signIn(portal, account.email);
      const home = await get(portal, cookie, "/");
      const me = /<a[^>]*data-testid="signed-in-as"[^>]*>/.exec(home.html)?.[0].match(/href="(\/[^"#?]*)/)?.[1];
      const queue = [...new Set([...linksIn(home.html, /<nav[^>]*aria-label="Main"/, "</nav>"), "/notifications", ...(me ? [me] : [])])];
      const seenKinds = new Set<string>();
      const visited = new Set<string>();
      console.log(`\n  ${account.role} (${account.email})`);
      console.log(`    ${"page".padEnd(56)} ${"p50".padStart(7)} ${"p95".padStart(7)} ${"max".padStart(7)}`);
      while (queue.length > 0) {
        const p = queue.shift()!;
        if (visited.has(p)) continue;
        visited.add(p);
        let last = { ms: 0, status: 0, html: "" };
        for (let i = 0; i < WARMUP; i++) last = await get(portal, cookie, p);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          last = await get(portal, cookie, p);
          times.push(last.ms);
        }
        times.sort((a, b) => a - b);
        pages++;
        const [p50, p95, max] = [pct(times, 0.5), pct(times, 0.95), times[times.length - 1]!];
        const note = last.status !== 200 ? `  (HTTP ${last.status})` : p95 > TARGET_MS ? "  over 300 ms" : "";
        console.log(`    ${p.padEnd(56)} ${p50.toFixed(0).padStart(5)}ms ${p95.toFixed(0).padStart(5)}ms ${max.toFixed(0).padStart(5)}ms${note}`);
        if (p95 > TARGET_MS) slow.push(`${account.role} ${p} (p95 ${p95.toFixed(0)} ms)`);
        // The whole document, not only <main>: streamed parts (behind a loading.tsx) arrive after it, in hidden
        // templates at the end of the body.
        const links = linksIn(last.html, /<body/, "</html>");
        queueLinkedPages(links, visited, seenKinds, queue);
      }
    }
  } finally {
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n  ${pages} pages timed; p95 over ${TARGET_MS} ms: ${slow.length === 0 ? "none" : `${slow.length}\n    ${slow.join("\n    ")}`}`);
  console.log(`  load average at the end ${load()}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
