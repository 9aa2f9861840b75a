/**
 * How the bulk jobs (expiry, expiry warnings, the provisioning outbox) pace a run: work is claimed in
 * batches (one transaction per batch, its ledger events inside it), and a run goes on until nothing is due,
 * its cap is reached, or its time budget is spent, so one job cannot starve the others of a worker's tick
 * while a backlog of 100,000 still drains in minutes. Several workers share a backlog through their claims
 * (`FOR UPDATE SKIP LOCKED`).
 */

/** Per-run caps of the bulk jobs: high enough that a backlog drains in a few ticks. */
export const RUN_CAPS = { expiry: 20_000, warnings: 20_000, provisioning: 20_000 } as const;
/** Rows claimed (and written in one transaction) at a time. */
export const BATCH_SIZE = 100;
/**
 * A batch's transaction may take longer than a person's (db.ts: 20 s) on a busy machine: it appends two or
 * three ledger events per row. Running out of time would only roll the batch back and start it again.
 */
export const BATCH_TX = { maxWait: 30_000, timeout: 120_000 };
/** A run stops starting new batches after this long; the next tick goes on. */
export const RUN_BUDGET_MS = 60_000;
/** Connector calls in flight at once per worker. */
export const CONNECTOR_CONCURRENCY = 16;

/**
 * Calls `batch(size)` until it returns null (nothing due), `limit` items are done or the budget is spent.
 * `batch` returns how many items it processed.
 */
export async function inBatches(limit: number, batchSize: number, batch: (size: number) => Promise<number | null>, budgetMs = RUN_BUDGET_MS): Promise<number> {
  const until = Date.now() + budgetMs;
  let processed = 0;
  while (processed < limit && Date.now() < until) {
    const n = await batch(Math.min(batchSize, limit - processed));
    if (n === null) break;
    processed += n;
  }
  return processed;
}

/** `fn` over `items` with at most `concurrency` calls in flight; results in the order of `items`. */
export async function mapBounded<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}
