/**
 * Load drivers for bench/http.ts: the same number of concurrent clients over HTTP (autocannon) and over raw SQL
 * (a `pg` pool), each for a fixed time, reporting exact p50/p95 from every response's latency and requests/s.
 *
 * "The same SQL": captureSql runs the portal's own procedure once through a Prisma client that logs every
 * statement it sends (Prisma's query events: the SQL text and its parameters), and replaySql sends exactly those
 * statements, in order, on one pooled connection per operation. Writes are replayed inside BEGIN … ROLLBACK (the
 * same locks, including the ledger head's, are taken and released), on a database where the captured ids are new.
 */
import autocannon, { type Request } from "autocannon";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../server/db";
import { neverMatchingSelect, withEmptyReadsAnswered } from "../../server/db/empty-reads";
import { withSerialTransactions } from "../../server/db/serial-transactions";

export type Figures = { p50: number; p95: number; rps: number; count: number; failed: number; /** HTTP runs: the answers that were not 2xx, by status ("error" for no answer). */ statuses?: Record<string, number> };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function figures(latencies: number[], secs: number, failed: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), rps: latencies.length / secs, count: latencies.length, failed };
}

export type HttpCase = {
  method?: "GET" | "POST";
  headers: Record<string, string>;
  path: string;
  body?: string;
  /** For writes: the next request (each call must be a new submission or a different step). */
  next?: () => Request;
};

/** `connections` concurrent HTTP clients for `seconds`. Non-2xx answers count as failed (and not in the latencies). */
export function httpLoad(origin: string, c: HttpCase, connections: number, seconds: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let failed = 0;
    const statuses: Record<string, number> = {};
    const t0 = performance.now();
    const inst = autocannon(
      {
        url: origin + c.path,
        connections,
        duration: seconds,
        timeout: 120,
        method: c.method ?? "GET",
        headers: c.headers,
        body: c.body,
        ...(c.next ? { requests: [{ setupRequest: (req: Request) => ({ ...req, ...c.next!() }) }] } : {}),
      },
      (err, res) => {
        if (err) return reject(err);
        // Connection errors and timeouts are failures too (autocannon emits no response for them).
        if (res?.errors) statuses.error = res.errors;
        resolve({ ...figures(latencies, (performance.now() - t0) / 1000, failed + (res?.errors ?? 0)), statuses });
      },
    );
    inst.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
      else {
        failed++;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    });
  });
}

export type Statement = { query: string; params: unknown[] };

/**
 * The SQL statements `fn` sends to the database through the portal's client (transaction control left out), in
 * order. Prisma logs the relation reads the client answers itself (server/db/empty-reads.ts) as well: they never
 * reach the database, so the raw replay leaves them out too.
 */
export async function captureSql(url: string, fn: (prisma: PrismaClient) => Promise<unknown>): Promise<Statement[]> {
  const adapter = withEmptyReadsAnswered(withSerialTransactions(new PrismaPg({ connectionString: url, max: 4 })));
  const prisma = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  const out: Statement[] = [];
  (prisma as unknown as { $on(e: "query", cb: (e: { query: string; params: string }) => void): void }).$on("query", (e) => {
    if (/^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(e.query) || neverMatchingSelect(e.query)) return;
    out.push({ query: e.query, params: e.params ? (JSON.parse(e.params) as unknown[]) : [] });
  });
  try {
    await fn(prisma);
  } finally {
    await prisma.$disconnect();
  }
  return out;
}

/** `clients` concurrent clients replaying `statements` for `seconds` (writes: each time in a transaction rolled back). */
export async function sqlLoad(url: string, statements: Statement[], write: boolean, clients: number, seconds: number): Promise<Figures> {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  const latencies: number[] = [];
  let failed = 0;
  let firstError: unknown = null;
  try {
    // Warm the connections (and the plans) before the clock starts, as autocannon's keep-alive sockets are.
    await Promise.all(Array.from({ length: clients }, async () => (await pool.query("SELECT 1")).rowCount));
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          const c = await pool.connect();
          try {
            if (write) await c.query("BEGIN");
            for (const st of statements) await c.query(st.query, st.params);
            if (write) await c.query("ROLLBACK");
            latencies.push(performance.now() - s);
          } catch (e) {
            firstError ??= e;
            failed++;
            if (write) await c.query("ROLLBACK").catch(() => {});
          } finally {
            c.release();
          }
        }
      }),
    );
    if (failed && firstError) console.log(`    (raw SQL: ${failed} failed, first: ${(firstError as Error).message})`);
    return figures(latencies, (performance.now() - t0) / 1000, failed);
  } finally {
    await pool.end();
  }
}
