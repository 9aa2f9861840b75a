/**
 * Next.js calls register() once when the server starts. In the Node.js runtime it starts the in-process
 * background worker (expiry, provisioning, escalations, email) every 15 s, unless IN_PROCESS_WORKER=false
 * (e.g. when `npm run worker` runs the jobs in processes of their own).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads the server code too: never open the database or start timers while building.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startInProcessWorker } = await import("./server/jobs/in-process");
  startInProcessWorker();
}
