/**
 * Runs the periodic jobs (server/jobs/registry.ts). Used in the portal process (instrumentation.ts), by
 * `npm run worker`, and by the dev-only /api/dev/run-jobs route. Any number of workers may run at once:
 * each job claims its own work with SKIP LOCKED.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { PrismaClient } from "../db";
import { loadClock } from "../clock";
import { JOBS, type Job } from "./registry";

export type JobRun = { name: string; processed: number; error?: string; ms: number };

export function newWorkerId(kind = "worker"): string {
  return `${kind}:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Runs every job once, in order. One job's failure is logged and does not stop the others. */
export async function runJobsOnce(db: PrismaClient, now: Date, workerId: string, jobs: Job[] = JOBS): Promise<JobRun[]> {
  const out: JobRun[] = [];
  for (const job of jobs) {
    const t0 = Date.now();
    try {
      const { processed } = await job.run(db, now, workerId);
      out.push({ name: job.name, processed, ms: Date.now() - t0 });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      console.error(`[worker ${workerId}] job ${job.name} failed: ${error}`);
      out.push({ name: job.name, processed: 0, error, ms: Date.now() - t0 });
    }
  }
  return out;
}

export type WorkerHandle = { workerId: string; stop(): Promise<void> };

/**
 * Runs the jobs every `intervalMs` until stopped, reading the business clock afresh each tick (so a moved
 * demo clock is seen at once). Ticks never overlap; `stop()` waits for the running tick to finish.
 */
export function startWorker(db: PrismaClient, opts: { intervalMs: number; workerId?: string; log?: (runs: JobRun[]) => void }): WorkerHandle {
  const workerId = opts.workerId ?? newWorkerId();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const tick = async () => {
    try {
      const clock = await loadClock(db);
      const runs = await runJobsOnce(db, clock(), workerId);
      opts.log?.(runs);
    } catch (e) {
      console.error(`[worker ${workerId}] tick failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = null;
        schedule(opts.intervalMs);
      });
    }, ms);
    timer.unref?.();
  };
  schedule(0);

  return {
    workerId,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}
