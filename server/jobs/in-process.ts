/** The worker inside the portal process (started from instrumentation.ts), once per process. */
import { db } from "../db";
import { env } from "../env";
import { newWorkerId, startWorker, type WorkerHandle } from "./worker";

const g = globalThis as unknown as { __warrantWorker?: WorkerHandle };

export const IN_PROCESS_INTERVAL_MS = 15_000;

export function startInProcessWorker(): WorkerHandle | null {
  if (env().IN_PROCESS_WORKER === false) return null;
  if (!g.__warrantWorker) {
    g.__warrantWorker = startWorker(db(), { intervalMs: IN_PROCESS_INTERVAL_MS, workerId: newWorkerId("portal") });
  }
  return g.__warrantWorker;
}
