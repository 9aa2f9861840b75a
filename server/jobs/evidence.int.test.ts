/**
 * The scheduled checkpoint: signed when the ledger has moved since the last checkpoint and that checkpoint
 * is older than the interval (or there is none); never for the checkpoint's own event; never on an empty ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeHuman } from "../testing/factories";
import { recordEvent, verifyChain } from "../ledger/ledger";
import { CHECKPOINT_EVERY_MS, signScheduledCheckpoint } from "./evidence";
import { JOBS } from "./registry";

let db: TestDb;
const HOUR = 3_600_000;
const t0 = new Date("2026-03-02T09:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db.close());

async function someEvent(when: Date) {
  const p = await makeHuman(db.prisma);
  await db.prisma.$transaction((tx) => recordEvent(tx, { actorId: null, action: "identity.test", subjectType: "Identity", subjectId: p.id, occurredAt: when }));
}

describe("sign-scheduled-checkpoint", () => {
  it("is registered as a job, after the export runner", () => {
    const names = JOBS.map((j) => j.name);
    expect(names).toEqual(expect.arrayContaining(["run-evidence-exports", "sign-scheduled-checkpoint"]));
    expect(names.indexOf("sign-scheduled-checkpoint")).toBeGreaterThan(names.indexOf("run-evidence-exports"));
  });

  it("does nothing on an empty ledger", async () => {
    expect(await signScheduledCheckpoint(db.prisma, t0)).toEqual({ processed: 0 });
    expect(await db.prisma.checkpoint.count()).toBe(0);
  });

  it("signs the head when there is no checkpoint yet, then waits for the interval and for new events", async () => {
    await someEvent(t0);
    expect(await signScheduledCheckpoint(db.prisma, t0)).toEqual({ processed: 1 });
    const first = await db.prisma.checkpoint.findFirstOrThrow();
    // The key is registered (its own ledger event, seq 2) before it signs anything: the checkpoint covers that too.
    expect(await db.prisma.ledgerEvent.findUniqueOrThrow({ where: { seq: 2n } })).toMatchObject({ action: "evidence.key_registered", subjectId: first.keyId });
    expect(first).toMatchObject({ reason: "schedule", seq: 2n });
    // The checkpoint's own event does not count as movement, however late it is.
    expect(await signScheduledCheckpoint(db.prisma, at(5 * HOUR))).toEqual({ processed: 0 });
    // New events, but the last checkpoint is recent: not yet.
    await someEvent(at(10 * 60_000));
    expect(await signScheduledCheckpoint(db.prisma, at(30 * 60_000))).toEqual({ processed: 0 });
    // Older than the interval and the head moved: signed.
    expect(await signScheduledCheckpoint(db.prisma, at(CHECKPOINT_EVERY_MS + 1))).toEqual({ processed: 1 });
    const cps = await db.prisma.checkpoint.findMany({ orderBy: { seq: "asc" } });
    expect(cps.map((c) => c.seq)).toEqual([2n, 4n]);
    expect(await db.prisma.ledgerEvent.count({ where: { action: "checkpoint.signed" } })).toBe(2);
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("signs once when two workers find it due at the same moment", async () => {
    await someEvent(at(3 * HOUR));
    const when = at(3 * HOUR + CHECKPOINT_EVERY_MS);
    const before = await db.prisma.checkpoint.count();
    const results = await Promise.all([signScheduledCheckpoint(db.prisma, when), signScheduledCheckpoint(db.prisma, when), signScheduledCheckpoint(db.prisma, when)]);
    expect(results.map((r) => r.processed).sort()).toEqual([0, 0, 1]);
    expect(await db.prisma.checkpoint.count()).toBe(before + 1);
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });
});
