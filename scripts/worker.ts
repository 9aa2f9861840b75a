// `npm run worker`: runs Warrant's background jobs (expiry, provisioning, escalations, email) in a process
// of its own, next to the portal or instead of the in-process worker (IN_PROCESS_WORKER=false). Needs
// PostgreSQL (DATABASE_URL) when the portal runs too: the embedded database serves one process only.
import { dbHandle, DatabaseInUseError } from "../server/db";
import { env, EnvError } from "../server/env";
import { startWorker } from "../server/jobs/worker";
import { ensureSigningKey, EvidenceKeyError } from "../server/evidence/keys";
import { describeWitnesses } from "../server/evidence/witnesses";

const INTERVAL_MS = Number(process.env.WORKER_INTERVAL_MS ?? 15_000);

async function main() {
  let handle;
  try {
    env();
    handle = dbHandle();
    await handle.prisma.$queryRaw`SELECT 1`;
    // The worker signs checkpoints and builds packs: its key must exist (generated on first start) and be registered.
    const key = await ensureSigningKey(handle.prisma);
    console.log(`Evidence signing key: ${key.keyId} (${key.file}).`);
    console.log(describeWitnesses());
  } catch (e) {
    if (e instanceof EnvError || e instanceof DatabaseInUseError || e instanceof EvidenceKeyError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const worker = startWorker(handle.prisma, {
    intervalMs: INTERVAL_MS,
    log: (runs) => {
      const busy = runs.filter((r) => r.processed > 0 || r.error);
      if (busy.length) console.log(`[${new Date().toISOString()}] ${busy.map((r) => `${r.name}: ${r.error ? `error (${r.error})` : r.processed}`).join(", ")}`);
    },
  });
  console.log(`Warrant worker ${worker.workerId} running every ${INTERVAL_MS / 1000} s. Stop with Ctrl-C.`);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: finishing the current tick, then stopping.`);
    await worker.stop();
    await handle.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  // Keep the process alive (the worker's timer is unref'd so tests and the portal are never held open).
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
