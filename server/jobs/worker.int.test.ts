import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { JOBS, type Job } from "./registry";
import { runJobsOnce, startWorker } from "./worker";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe("worker", () => {
  it("runs every job in order; one failing job is logged and does not stop the others", async () => {
    const order: string[] = [];
    const jobs: Job[] = [
      { name: "a", run: async () => (order.push("a"), { processed: 1 }) },
      { name: "boom", run: async () => { order.push("boom"); throw new Error("kaput"); } },
      { name: "c", run: async (_db, _now, workerId) => (order.push(`c:${workerId}`), { processed: 2 }) },
    ];
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const runs = await runJobsOnce(db.prisma, new Date(), "w-1", jobs);
    spy.mockRestore();
    expect(order).toEqual(["a", "boom", "c:w-1"]);
    expect(runs.map((r) => [r.name, r.processed, r.error ?? null])).toEqual([["a", 1, null], ["boom", 0, "kaput"], ["c", 2, null]]);
  });

  it("runs the registered jobs against an empty database without errors", async () => {
    expect(JOBS.map((j) => j.name)).toEqual(expect.arrayContaining(["revoke-expired-grants", "warn-expiring-grants", "escalate-late-break-glass-reviews", "process-provisioning-tasks", "deliver-pending-emails"]));
    const runs = await runJobsOnce(db.prisma, new Date(), "w-2");
    expect(runs.filter((r) => r.error)).toEqual([]);
  });

  it("startWorker ticks at once and stops cleanly", async () => {
    const ticks: number[] = [];
    const w = startWorker(db.prisma, { intervalMs: 10_000, log: (runs) => ticks.push(runs.length) });
    await vi.waitFor(() => expect(ticks.length).toBe(1), { timeout: 10_000 });
    await w.stop();
    expect(ticks[0]).toBe(JOBS.length);
  });
});
