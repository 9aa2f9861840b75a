/**
 * Delivery of signed checkpoints to their witnesses (server/evidence/witnesses.ts, server/jobs/witnesses.ts):
 * all four kinds configured at once, against real targets on this machine — a file, a folder, an SMTP server
 * and an HTTP server on 127.0.0.1. The configuration is set before anything reads the environment (env() is
 * parsed once per test file).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeHuman } from "../testing/factories";
import { verifyChain } from "../ledger/ledger";
import { packCheckpoint, signCheckpoint } from "../evidence/checkpoints";
import { packDir, useTempKey } from "../evidence/pack-kit";
import { readWitnessSource, witnessFileName, witnessLine } from "../evidence/witness-check";
import { verifySignature } from "../connectors/webhook";
import { checkpointDue, CHECKPOINT_EVERY_MS } from "./evidence";
import { deliverWitnessCheckpoints, MAX_WITNESS_ATTEMPTS, WITNESS_FAILED, witnessBackoffMs } from "./witnesses";

const SECRET = "witness-webhook-shared-secret-0123456789";
const dir = packDir();
useTempKey(dir);
const witnessFile = path.join(dir, "file-witness", "checkpoints.jsonl");
const witnessDir = path.join(dir, "folder-witness");
mkdirSync(path.dirname(witnessFile), { recursive: true });
mkdirSync(witnessDir, { recursive: true });

type Mail = { to: string[]; raw: string };
const mails: Mail[] = [];
type Call = { body: string; signatureOk: boolean };
const calls: Call[] = [];
/** What the webhook answers next (then 200). */
const answers: number[] = [];
let smtp: SMTPServer;
let http: Server;
let t: TestDb;
let clock = Date.parse("2026-04-01T08:00:00Z");
const tick = (ms = 60_000) => new Date((clock += ms));

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  http = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      const ts = req.headers["x-warrant-timestamp"];
      const sig = req.headers["x-warrant-signature"];
      calls.push({ body, signatureOk: verifySignature(SECRET, body, typeof ts === "string" ? ts : null, typeof sig === "string" ? sig : null, new Date()).ok });
      res.writeHead(answers.shift() ?? 200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    MAIL_FROM: "Warrant <warrant@halcyon.example>",
    WITNESS_FILE: witnessFile,
    WITNESS_DIR: witnessDir,
    WITNESS_EMAIL: "audit@halcyon.example",
    WITNESS_WEBHOOK_URLS: `http://127.0.0.1:${(http.address() as AddressInfo).port}/witness`,
    WITNESS_WEBHOOK_SECRET: SECRET,
  });
  t = await createTestDb();
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function checkpoint() {
  const cp = await signCheckpoint(t.prisma, "schedule", tick());
  return packCheckpoint(cp!);
}

const deliveries = (checkpointId?: string) => t.prisma.witnessDelivery.findMany({ where: checkpointId ? { checkpointId } : {}, orderBy: [{ kind: "asc" }] });

describe("checkpoint witnesses", () => {
  it("queues one delivery per configured witness in the checkpoint's own transaction", async () => {
    const cp = await checkpoint();
    const row = await t.prisma.checkpoint.findFirstOrThrow({ where: { seq: BigInt(cp.seq), signature: cp.signature } });
    const rows = await deliveries(row.id);
    expect(rows.map((r) => [r.kind, r.status, r.attempts])).toEqual([
      ["email", "PENDING", 0],
      ["file", "PENDING", 0],
      ["folder", "PENDING", 0],
      ["webhook", "PENDING", 0],
    ]);
  });

  it("delivers to every kind: a line appended to the file, a file in the folder, a mail to the audit mailbox, a signed POST", async () => {
    const cp = packCheckpoint(await t.prisma.checkpoint.findFirstOrThrow());
    // Two workers at once: each delivery is claimed and made once.
    const now = tick();
    const [a, b] = await Promise.all([deliverWitnessCheckpoints(t.prisma, now, "w1"), deliverWitnessCheckpoints(t.prisma, now, "w2")]);
    expect(a.processed + b.processed).toBe(4);
    expect((await deliveries()).map((r) => [r.kind, r.status, r.attempts, r.lastError])).toEqual([
      ["email", "DELIVERED", 1, null],
      ["file", "DELIVERED", 1, null],
      ["folder", "DELIVERED", 1, null],
      ["webhook", "DELIVERED", 1, null],
    ]);
    expect(readFileSync(witnessFile, "utf8")).toBe(`${witnessLine(cp)}\n`);
    expect(readdirSync(witnessDir)).toEqual([witnessFileName(cp)]);
    expect(readFileSync(path.join(witnessDir, witnessFileName(cp)), "utf8")).toBe(`${witnessLine(cp)}\n`);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(["audit@halcyon.example"]);
    expect(mails[0]!.raw).toMatch(new RegExp(`^Subject: Warrant ledger checkpoint seq ${cp.seq} \\(schedule\\)`, "m"));
    expect(mails[0]!.raw.replace(/=\r?\n/g, "")).toContain(`"headHash":"${cp.headHash}"`);
    expect(calls).toEqual([{ body: witnessLine(cp), signatureOk: true }]);
    // What the witnesses hold is what the verifier reads.
    expect((await readWitnessSource(witnessFile)).map((w) => w.signature)).toEqual([cp.signature]);
    expect((await readWitnessSource(witnessDir)).map((w) => w.signature)).toEqual([cp.signature]);
    expect(await deliverWitnessCheckpoints(t.prisma, tick(), "w1")).toEqual({ processed: 0 });
  });

  it("the file is only ever appended to (a torn last line is closed, never rewritten); the folder never overwrites a file", async () => {
    const fileBefore = readFileSync(witnessFile);
    const folderBefore = new Map(readdirSync(witnessDir).map((n) => [n, readFileSync(path.join(witnessDir, n))]));
    // A crash mid-write left half a line: the next delivery starts on a line of its own.
    appendFileSync(witnessFile, '{"seq":"9');
    const cp = await checkpoint();
    // A file of that name is already in the folder, with other content: it is not overwritten.
    const squatted = path.join(witnessDir, witnessFileName(cp));
    writeFileSync(squatted, "not the checkpoint\n");
    await deliverWitnessCheckpoints(t.prisma, tick(), "w1");

    const after = readFileSync(witnessFile);
    expect(after.subarray(0, fileBefore.length).equals(fileBefore)).toBe(true);
    expect(after.subarray(fileBefore.length).toString("utf8")).toBe(`{"seq":"9\n${witnessLine(cp)}\n`);
    for (const [name, data] of folderBefore) expect(readFileSync(path.join(witnessDir, name)).equals(data)).toBe(true);
    expect(readFileSync(squatted, "utf8")).toBe("not the checkpoint\n");
    const folder = (await deliveries()).find((r) => r.kind === "folder" && r.status !== "DELIVERED")!;
    expect(folder).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("exists with other content: not overwritten") });
    expect(readdirSync(witnessDir).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
    // Put the file right (as the operator would, with the real content): the retry finds it and is done.
    writeFileSync(squatted, `${witnessLine(cp)}\n`);
    await deliverWitnessCheckpoints(t.prisma, tick(witnessBackoffMs(1)), "w1");
    expect(await t.prisma.witnessDelivery.findUniqueOrThrow({ where: { id: folder.id } })).toMatchObject({ status: "DELIVERED", attempts: 2 });
    // Leave the file readable for the rest of the file: drop the torn line the test wrote.
    writeFileSync(witnessFile, readFileSync(witnessFile, "utf8").replace('{"seq":"9\n', ""));
  });

  it("retries a webhook that failed, with backoff, and delivers it on a later attempt", async () => {
    answers.push(503);
    const cp = await checkpoint();
    const before = calls.length;
    await deliverWitnessCheckpoints(t.prisma, tick(), "w1");
    const hook = (await deliveries()).find((r) => r.kind === "webhook" && r.status !== "DELIVERED")!;
    expect(hook).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("answered HTTP 503"), claimedBy: null });
    // Not due again straight away.
    await deliverWitnessCheckpoints(t.prisma, tick(1000), "w1");
    expect(calls.length).toBe(before + 1);
    await deliverWitnessCheckpoints(t.prisma, tick(witnessBackoffMs(1)), "w1");
    expect(calls.length).toBe(before + 2);
    expect(calls.slice(before).map((c) => c.body)).toEqual([witnessLine(cp), witnessLine(cp)]);
    expect(await t.prisma.witnessDelivery.findUniqueOrThrow({ where: { id: hook.id } })).toMatchObject({ status: "DELIVERED", attempts: 2, lastError: null });
  });

  it("after the last attempt: FAILED with its error, a finding, security and admins notified, and a ledger event, once", async () => {
    const security = await makeHuman(t.prisma, { name: "Sec Officer", roles: ["SECURITY"] });
    for (let i = 0; i < MAX_WITNESS_ATTEMPTS; i++) answers.push(500);
    const cp = await checkpoint();
    for (let i = 0; i < MAX_WITNESS_ATTEMPTS + 2; i++) await deliverWitnessCheckpoints(t.prisma, tick(witnessBackoffMs(MAX_WITNESS_ATTEMPTS)), "w1");
    const row = await t.prisma.checkpoint.findFirstOrThrow({ where: { signature: cp.signature } });
    const hook = (await deliveries(row.id)).find((r) => r.kind === "webhook")!;
    expect(hook).toMatchObject({ status: "FAILED", attempts: MAX_WITNESS_ATTEMPTS, lastError: expect.stringContaining("answered HTTP 500") });
    const findings = await t.prisma.finding.findMany({ where: { kind: "WITNESS_DELIVERY_FAILED" } });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ subjectType: "Checkpoint", subjectId: row.id, status: "OPEN", details: expect.objectContaining({ kind: "webhook", seq: cp.seq, attempts: MAX_WITNESS_ATTEMPTS }) });
    expect(await t.prisma.notification.count({ where: { recipientId: security.id, kind: "checkpoint.witness_failed" } })).toBe(1);
    expect(await t.prisma.ledgerEvent.count({ where: { action: WITNESS_FAILED, subjectId: row.id } })).toBe(1);
    expect((await verifyChain(t.prisma)).firstBroken).toBeNull();
    // The other witnesses got it.
    expect((await deliveries(row.id)).filter((r) => r.kind !== "webhook").every((r) => r.status === "DELIVERED")).toBe(true);
  });

  it("one open finding per witness while it stays down; a new one once that finding is resolved", async () => {
    const failAll = async () => {
      for (let i = 0; i < MAX_WITNESS_ATTEMPTS; i++) answers.push(500);
      const cp = await checkpoint();
      for (let i = 0; i < MAX_WITNESS_ATTEMPTS + 2; i++) await deliverWitnessCheckpoints(t.prisma, tick(witnessBackoffMs(MAX_WITNESS_ATTEMPTS)), "w1");
      const row = await t.prisma.checkpoint.findFirstOrThrow({ where: { signature: cp.signature } });
      expect((await deliveries(row.id)).find((r) => r.kind === "webhook")).toMatchObject({ status: "FAILED" });
      return row.id;
    };
    const open = () => t.prisma.finding.findMany({ where: { kind: "WITNESS_DELIVERY_FAILED", status: "OPEN" } });
    const notes = () => t.prisma.notification.count({ where: { kind: "checkpoint.witness_failed" } });
    expect(await open()).toHaveLength(1);
    const notesBefore = await notes();
    const second = await failAll();
    expect(await open()).toHaveLength(1);
    expect(await notes()).toBe(notesBefore);
    expect(await t.prisma.ledgerEvent.count({ where: { action: WITNESS_FAILED, subjectId: second } })).toBe(1);
    // Resolved (the operator fixed the witness): the next failure is news again.
    await t.prisma.finding.updateMany({ where: { kind: "WITNESS_DELIVERY_FAILED" }, data: { status: "RESOLVED", resolvedAt: new Date(clock) } });
    const third = await failAll();
    expect((await open()).map((f) => f.subjectId)).toEqual([third]);
    expect(await notes()).toBeGreaterThan(notesBefore);
  });

  it("two workers failing two checkpoints to the same witness at once raise one finding (a race on PostgreSQL)", async () => {
    await t.prisma.finding.updateMany({ where: { kind: "WITNESS_DELIVERY_FAILED" }, data: { status: "RESOLVED", resolvedAt: new Date(clock) } });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const cp = await checkpoint();
      const row = await t.prisma.checkpoint.findFirstOrThrow({ where: { signature: cp.signature } });
      ids.push(row.id);
      // Set the scene: the other witnesses have it, the webhook is on its last attempt.
      await t.prisma.witnessDelivery.updateMany({ where: { checkpointId: row.id, kind: { not: "webhook" } }, data: { status: "DELIVERED", deliveredAt: new Date(clock) } });
      await t.prisma.witnessDelivery.updateMany({ where: { checkpointId: row.id, kind: "webhook" }, data: { attempts: MAX_WITNESS_ATTEMPTS - 1 } });
    }
    answers.push(500, 500);
    const now = tick();
    const [a, b] = await Promise.all([deliverWitnessCheckpoints(t.prisma, now, "racer-a", 1), deliverWitnessCheckpoints(t.prisma, now, "racer-b", 1)]);
    expect(a.processed + b.processed).toBe(2);
    expect(await t.prisma.witnessDelivery.count({ where: { checkpointId: { in: ids }, kind: "webhook", status: "FAILED" } })).toBe(2);
    expect(await t.prisma.finding.count({ where: { kind: "WITNESS_DELIVERY_FAILED", status: "OPEN" } })).toBe(1);
    expect(await t.prisma.ledgerEvent.count({ where: { action: WITNESS_FAILED, subjectId: { in: ids } } })).toBe(2);
    expect((await verifyChain(t.prisma)).firstBroken).toBeNull();
    // A failed delivery is housekeeping: by itself it does not call for another checkpoint (which would fail again).
    expect(await checkpointDue(t.prisma, tick(2 * CHECKPOINT_EVERY_MS))).toBe(false);
  });

  it("never sends a delivery to a target the configuration does not name (a row written behind its back)", async () => {
    const row = await t.prisma.checkpoint.findFirstOrThrow();
    const before = calls.length;
    const d = await t.prisma.witnessDelivery.create({ data: { checkpointId: row.id, kind: "webhook", target: "http://127.0.0.1:1/elsewhere", nextAttemptAt: new Date(clock) } });
    await deliverWitnessCheckpoints(t.prisma, tick(), "w1");
    expect(calls.length).toBe(before);
    expect(await t.prisma.witnessDelivery.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({ status: "PENDING", attempts: 1, lastError: "this webhook witness is no longer configured" });
  });
});
