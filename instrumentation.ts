/**
 * Next.js calls register() once when the server starts. In the Node.js runtime it starts the in-process
 * background worker (expiry, provisioning, escalations, email) every 15 s, unless IN_PROCESS_WORKER=false
 * (e.g. when `npm run worker` runs the jobs in processes of their own), and, on the embedded database, the
 * demo's PostgreSQL target (server/demo-target).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads the server code too: never open the database or start timers while building.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { env } = await import("./server/env");
  if (env().demoTarget) {
    // Before the worker's first run, so the demo's PostgreSQL target answers its first provisioning task.
    const [{ db }, { startInProcessDemoTarget }] = await Promise.all([import("./server/db"), import("./server/demo-target")]);
    await startInProcessDemoTarget(db(), { dir: env().demoTargetDir, port: env().DEMO_TARGET_PORT });
  }
  const { startInProcessWorker } = await import("./server/jobs/in-process");
  startInProcessWorker();
}
