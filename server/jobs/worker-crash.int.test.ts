/**
 * The crash test: a real worker process (`npm run worker`'s script) is killed with SIGKILL after the
 * connector call reached the target system and before the answer (the read-back) came back. Started again,
 * the worker takes the task over once its claim has lapsed, calls the target again (connector actions are
 * idempotent), and records the read-back: the action is neither lost nor done twice, and the grant ends in
 * one state with its receipt.
 *
 * PostgreSQL only: two processes (this test and the worker) share the database, which the embedded
 * database cannot do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyChain } from "../ledger/ledger";
import { startWebhookServer } from "../connectors/webhook-test-server";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { createGrantForRequest } from "../domain/provisioning/grant-lifecycle";
import { CLAIM_LEASE_MS } from "./provisioning";

const SECRET_ENV = "WARRANT_CONNECTOR_CRASH_TEST_SECRET";
const SECRET = "crash-test-shared-secret-0123456789";
/** Waiting on a slow, busy machine: the worker's start (tsx compiling) can take a while. */
const WAIT = { timeout: 120_000, interval: 200 };

describe.skipIf(TEST_ENGINE !== "postgres")("worker crash between the connector call and its read-back", () => {
  let t: TestDb;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    dir = mkdtempSync(path.join(tmpdir(), "warrant-crash-"));
    const { privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(path.join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/worker.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        WORKER_INTERVAL_MS: "300",
        CLOCK_CONTROL: "true",
        EVIDENCE_KEY_FILE: path.join(dir, "key.pem"),
        EVIDENCE_DIR: path.join(dir, "evidence"),
        SMTP_URL: "",
        [SECRET_ENV]: SECRET,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.resume();
    child.stderr?.resume();
    children.push(child);
    return child;
  }

  it(
    "SIGKILL after the target acted, restart: one effect in the target, one confirmation in Warrant, the grant ACTIVE with its receipt",
    async () => {
      const db = t.prisma;
      // The target system: it applies a grant once (idempotent) and reports what it holds.
      const holders = new Set<string>();
      let effects = 0;
      let first = true;
      const hook = await startWebhookServer(SECRET, async (call) => {
        const who = (call.body.identity as { id: string }).id;
        if (call.body.action === "GRANT" && !holders.has(who)) {
          holders.add(who);
          effects++;
        }
        if (first) {
          first = false;
          // The worker dies now, before it hears back: never answer this call.
          return new Promise<never>(() => {});
        }
        return { status: 200, json: { status: "done", readBack: { hasAccess: holders.has(who) } } };
      });
      try {
        const owner = await makeHuman(db, { name: "Crash Owner" });
        const holder = await makeHuman(db, { name: "Crash Holder" });
        const sys = await makeSystem(db, owner.id, { name: "Crash Target" });
        await db.system.update({ where: { id: sys.id }, data: { connector: "WEBHOOK", connectorConfig: { url: hook.url, secretRef: `env:${SECRET_ENV}` } } });
        const ent = await makeEntitlement(db, sys.id, { name: "crash:write" });
        const policy = await db.policyVersion.create({ data: { version: 1, text: "permit(principal, action, resource);", sha256: "x".repeat(64) } });
        const request = await db.accessRequest.create({
          data: {
            requesterId: holder.id,
            beneficiaryId: holder.id,
            entitlementId: ent.id,
            justification: "Crash test of the provisioning worker",
            durationHours: 24,
            status: "APPROVED",
            contentHash: "c".repeat(64),
            policyVersionId: policy.id,
            policyHash: "x".repeat(64),
            policyDecision: { allowed: true },
            inputHash: "i".repeat(64),
            deadlineAt: new Date(),
          },
        });
        const { grantId, taskId } = await db.$transaction((tx) =>
          createGrantForRequest(tx, { request: { id: request.id, beneficiaryId: holder.id, entitlementId: ent.id, durationHours: 24, emergency: false }, actorId: null, now: new Date() }),
        );

        const w1 = startWorker();
        await vi.waitFor(() => expect(hook.calls.filter((c) => c.body.action === "GRANT")).toHaveLength(1), WAIT);
        const exited = new Promise((resolve) => w1.once("exit", resolve));
        w1.kill("SIGKILL");
        await exited;
        expect(effects).toBe(1);
        // Killed mid-call: the task is still claimed by the dead worker and nothing is recorded as done.
        const orphan = await db.provisioningTask.findUniqueOrThrow({ where: { id: taskId } });
        expect(orphan).toMatchObject({ status: "PENDING", doneAt: null });
        expect(orphan.claimedBy).toMatch(/^worker:/);
        expect(await db.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "PENDING_PROVISION" });

        // Time passes past the dead worker's lease (the business clock both processes read).
        await db.setting.upsert({ where: { key: "clock.offsetMs" }, create: { key: "clock.offsetMs", value: CLAIM_LEASE_MS + 60_000 }, update: { value: CLAIM_LEASE_MS + 60_000 } });
        const w2 = startWorker();
        await vi.waitFor(async () => expect((await db.provisioningTask.findUniqueOrThrow({ where: { id: taskId } })).status).toBe("DONE"), WAIT);
        const stopped = new Promise((resolve) => w2.once("exit", resolve));
        w2.kill("SIGTERM");
        await stopped;

        // The target acted once; it was asked twice (the second time it already held the access).
        expect(effects).toBe(1);
        expect(hook.calls.filter((c) => c.body.action === "GRANT")).toHaveLength(2);
        const task = await db.provisioningTask.findUniqueOrThrow({ where: { id: taskId } });
        expect(task).toMatchObject({ status: "DONE", claimedBy: null });
        expect(task.receipt).toMatchObject({ connector: "WEBHOOK", action: "GRANT", confirmed: true, readBack: { hasAccess: true } });
        expect(await db.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "ACTIVE" });
        expect(await db.provisioningTask.count({ where: { grantId } })).toBe(1);
        expect(await db.ledgerEvent.count({ where: { subjectId: grantId, action: "grant.provisioned" } })).toBe(1);
        expect((await verifyChain(db)).firstBroken).toBeNull();
      } finally {
        await hook.close().catch(() => undefined);
      }
    },
    300_000,
  );
});
