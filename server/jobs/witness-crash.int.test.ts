/**
 * Nothing lost when the worker dies mid-delivery: a real worker process (`npm run worker`'s script) is killed
 * with SIGKILL while a witness webhook holds its call open. The delivery stays claimed by the dead worker
 * (not DELIVERED); once its lease has run out, a new worker takes it over and delivers it. The witness may
 * see the checkpoint twice (at least once), never zero times.
 *
 * PostgreSQL only: two processes (this test and the worker) share the database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { packCheckpoint, signCheckpoint } from "../evidence/checkpoints";
import { packDir, useTempKey } from "../evidence/pack-kit";
import { witnessLine } from "../evidence/witness-check";
import { WITNESS_LEASE_MS } from "./witnesses";

const SECRET = "witness-crash-shared-secret-0123456789";
/** Waiting on a slow, busy machine: the worker's start (tsx compiling) can take a while. */
const WAIT = { timeout: 120_000, interval: 200 };

describe.skipIf(TEST_ENGINE !== "postgres")("witness delivery when the worker dies mid-call", () => {
  let dir = "";
  let key: ReturnType<typeof useTempKey>;
  let t: TestDb;
  let http: Server;
  let url = "";
  const bodies: string[] = [];
  let hang = true;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = packDir();
    key = useTempKey(dir);
    http = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        bodies.push(Buffer.concat(parts).toString("utf8"));
        // The first call is never answered: the worker is killed while waiting for it.
        if (hang) {
          hang = false;
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/witness`;
    Object.assign(process.env, { WITNESS_WEBHOOK_URLS: url, WITNESS_WEBHOOK_SECRET: SECRET, CLOCK_CONTROL: "true" });
    t = await createTestDb();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/worker.ts")], {
      env: { ...process.env, DATABASE_URL: t.url, WORKER_INTERVAL_MS: "300", CLOCK_CONTROL: "true", EVIDENCE_KEY_FILE: key.file, EVIDENCE_DIR: path.join(dir, "evidence"), SMTP_URL: "", WITNESS_WEBHOOK_URLS: url, WITNESS_WEBHOOK_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.resume();
    child.stderr?.resume();
    children.push(child);
    return child;
  }

  it(
    "SIGKILL while the witness holds the call, restart after the lease: the checkpoint is delivered, not lost",
    async () => {
      const db = t.prisma;
      const cp = (await signCheckpoint(db, "schedule", new Date()))!;
      const delivery = await db.witnessDelivery.findFirstOrThrow({ where: { checkpointId: cp.id } });
      expect(delivery).toMatchObject({ kind: "webhook", target: url, status: "PENDING" });

      const w1 = startWorker();
      await vi.waitFor(() => expect(bodies).toHaveLength(1), WAIT);
      const exited = new Promise((resolve) => w1.once("exit", resolve));
      w1.kill("SIGKILL");
      await exited;
      const orphan = await db.witnessDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      expect(orphan).toMatchObject({ status: "PENDING", attempts: 0, deliveredAt: null });
      expect(orphan.claimedBy).toMatch(/^worker:/);

      // Time passes past the dead worker's lease (the business clock both processes read).
      const offset = WITNESS_LEASE_MS + 60_000;
      await db.setting.upsert({ where: { key: "clock.offsetMs" }, create: { key: "clock.offsetMs", value: offset }, update: { value: offset } });
      const w2 = startWorker();
      await vi.waitFor(async () => expect((await db.witnessDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe("DELIVERED"), WAIT);
      const stopped = new Promise((resolve) => w2.once("exit", resolve));
      w2.kill("SIGTERM");
      await stopped;

      expect(await db.witnessDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: "DELIVERED", attempts: 1, claimedBy: null, lastError: null });
      const line = witnessLine(packCheckpoint(cp));
      expect(bodies.filter((b) => b === line)).toHaveLength(2);
      expect(await db.witnessDelivery.count({ where: { checkpointId: cp.id } })).toBe(1);
    },
    300_000,
  );
});
