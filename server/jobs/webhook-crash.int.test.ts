/**
 * Nothing lost when the delivering worker dies mid-batch: a real worker process (`npm run worker`'s script) is
 * killed with SIGKILL while the receiver holds its POST open. The subscription stays claimed by the dead worker
 * with its cursor unmoved; once the lease has run out, a new worker resumes from the cursor and delivers the
 * same batch again (at least once), then everything after it, in order.
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
import { callerAs, makeHuman } from "../testing/factories";
import { packDir, useTempKey } from "../evidence/pack-kit";
import { verifySignature } from "../connectors/webhook";
import { appendEvents } from "../domain/events/events-test-kit";
import { WEBHOOK_BATCH, WEBHOOK_LEASE_MS } from "./webhooks";

const WAIT = { timeout: 120_000, interval: 200 };

describe.skipIf(TEST_ENGINE !== "postgres")("webhook delivery when the worker dies mid-batch", () => {
  let dir = "";
  let key: ReturnType<typeof useTempKey>;
  let t: TestDb;
  let http: Server;
  let url = "";
  let secret = "";
  const batches: { seqs: string[]; signatureOk: boolean; answered: boolean }[] = [];
  let hang = true;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = packDir();
    key = useTempKey(dir);
    http = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(parts).toString("utf8");
        const ts = req.headers["x-warrant-timestamp"];
        const sig = req.headers["x-warrant-signature"];
        const body = JSON.parse(raw) as { events: { seq: string }[] };
        const signatureOk = verifySignature(secret, raw, typeof ts === "string" ? ts : null, typeof sig === "string" ? sig : null, new Date()).ok;
        // The first call is never answered: the worker is killed while waiting for it.
        const answered = !hang;
        batches.push({ seqs: body.events.map((e) => e.seq), signatureOk, answered });
        if (hang) {
          hang = false;
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/events`;
    Object.assign(process.env, { CLOCK_CONTROL: "true" });
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
      env: { ...process.env, DATABASE_URL: t.url, WORKER_INTERVAL_MS: "300", CLOCK_CONTROL: "true", EVIDENCE_KEY_FILE: key.file, EVIDENCE_DIR: path.join(dir, "evidence"), SMTP_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.resume();
    child.stderr?.resume();
    children.push(child);
    return child;
  }

  it(
    "SIGKILL while the receiver holds the POST, restart after the lease: every event delivered, in order, the cut batch again",
    async () => {
      const db = t.prisma;
      const admin = callerAs(db, (await makeHuman(db, { roles: ["ADMIN"] })).id);
      const created = await admin.webhooks.create({ name: "SIEM", url, eventTypes: ["test.crash"] });
      secret = created.secret!;
      const seqs = (await appendEvents(db, WEBHOOK_BATCH + 50, "test.crash", "c")).map(String);

      const w1 = startWorker();
      await vi.waitFor(() => expect(batches).toHaveLength(1), WAIT);
      const exited = new Promise((resolve) => w1.once("exit", resolve));
      w1.kill("SIGKILL");
      await exited;
      const orphan = await db.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } });
      expect(orphan.claimedBy).toMatch(/^worker:/);
      expect(orphan.cursorSeq).toBe(BigInt(seqs[0]!) - 1n);

      // Time passes past the dead worker's lease (the business clock both processes read).
      const offset = WEBHOOK_LEASE_MS + 60_000;
      await db.setting.upsert({ where: { key: "clock.offsetMs" }, create: { key: "clock.offsetMs", value: offset }, update: { value: offset } });
      const w2 = startWorker();
      // The cursor reaches the last event (or past it: the worker's own jobs record events of other types).
      await vi.waitFor(async () => expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } })).cursorSeq >= BigInt(seqs.at(-1)!)).toBe(true), WAIT);
      const stopped = new Promise((resolve) => w2.once("exit", resolve));
      w2.kill("SIGTERM");
      await stopped;

      expect(batches.every((b) => b.signatureOk)).toBe(true);
      // The cut batch arrived twice (at least once), then the rest: every event, in order.
      expect(batches[0]!.seqs).toEqual(seqs.slice(0, WEBHOOK_BATCH));
      expect(batches[1]!.seqs).toEqual(seqs.slice(0, WEBHOOK_BATCH));
      expect(batches.filter((b) => b.answered).flatMap((b) => b.seqs)).toEqual(seqs);
      expect(await db.webhookSubscription.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ attempts: 0, lastError: null, pausedAt: null });
    },
    300_000,
  );
});
