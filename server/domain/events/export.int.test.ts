/**
 * The JSON Lines export of a seq range: the exported lines re-verify as a chain from the range line's prevHash,
 * the checkpoints in range match the exported hashes and their signatures check; only the ledger's readers get it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { useTempKey } from "../../evidence/pack-kit";
import { signCheckpoint } from "../../evidence/checkpoints";
import { appendEvents } from "./events-test-kit";
import { EXPORT_PAGE, openEventsExport } from "./export";
import { ZFeedCheckpoint, ZFeedEvent, type FeedCheckpoint, type FeedEvent } from "./schema";
import { verifyCheckpointSignature, verifyFeedEvents } from "./verify";

let t: TestDb;
let dir: string;
let key: ReturnType<typeof useTempKey>;
let auditorId: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "export-"));
  key = useTempKey(dir);
  t = await createTestDb();
  auditorId = (await makeHuman(t.prisma, { roles: ["AUDITOR"] })).id;
  await appendEvents(t.prisma, EXPORT_PAGE + 200, "test.export", "x");
  await signCheckpoint(t.prisma, "schedule", new Date());
  await appendEvents(t.prisma, 30, "test.export", "y");
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function lines(params: string) {
  const out = await openEventsExport(t.prisma, auditorId, new URLSearchParams(params));
  if (!out.ok) throw new Error(out.message);
  const text = await new Response(out.body).text();
  return { filename: out.filename, rows: text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("JSON Lines export", () => {
  it("streams a seq range whose lines re-verify as a chain, with the checkpoints covering it", async () => {
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    const from = 17n;
    const { filename, rows } = await lines(`from=${from}&to=${head}`);
    expect(filename).toBe(`warrant-events-${from}-${head}.jsonl`);
    const [range, ...rest] = rows;
    expect(range).toMatchObject({ type: "range", from: from.toString(), to: head.toString() });
    const events = rest.filter((r) => r.type === "event").map((r) => {
      const { type: _type, ...e } = r;
      return ZFeedEvent.parse(e) as FeedEvent;
    });
    const checkpoints = rest.filter((r) => r.type === "checkpoint").map((r) => {
      const { type: _type, ...c } = r;
      return ZFeedCheckpoint.parse(c) as FeedCheckpoint;
    });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: Number(head - from + 1n) }, (_, i) => (from + BigInt(i)).toString()));
    const v = verifyFeedEvents(events, range!.prevHash as string, checkpoints);
    expect(v.problems).toEqual([]);
    expect(v.lastHash).toBe((await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).hash);
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const c of checkpoints) {
      expect(events.find((e) => e.seq === c.seq)?.hash).toBe(c.headHash);
      expect(verifyCheckpointSignature(c, key.publicKeyPem)).toBe(true);
    }
    // Tampering with an exported line is caught.
    const bad = events.map((e, i) => (i === 500 ? { ...e, action: "grant.revoked" } : e));
    expect(verifyFeedEvents(bad, range!.prevHash as string).problems.length).toBeGreaterThan(0);
  });

  it("a range from 1 starts at the genesis hash; a short range ends where asked", async () => {
    const { rows } = await lines("from=1&to=3");
    expect(rows[0]).toMatchObject({ prevHash: "0".repeat(64) });
    expect(rows.filter((r) => r.type === "event").map((r) => r.seq)).toEqual(["1", "2", "3"]);
  });

  it("refuses the signed out (401), anyone but admin/security/auditor (404) and bad ranges (400)", async () => {
    const employee = await makeHuman(t.prisma);
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    expect(await openEventsExport(t.prisma, null, new URLSearchParams())).toMatchObject({ ok: false, status: 401 });
    expect(await openEventsExport(t.prisma, employee.id, new URLSearchParams("from=1&to=2"))).toMatchObject({ ok: false, status: 404 });
    for (const q of ["from=0", "from=5&to=4", `from=1&to=${head + 1n}`, "from=abc", "from=-1"]) {
      expect(await openEventsExport(t.prisma, auditorId, new URLSearchParams(q)), q).toMatchObject({ ok: false, status: 400 });
    }
  });

  it("with a maxRange (the REST API's): a longer range is refused naming `to`; without `to` the range ends there; a reader without the role gets 403 when asked", async () => {
    const employee = await makeHuman(t.prisma);
    const opts = { maxRange: 10n, refusedStatus: 403 as const };
    expect(await openEventsExport(t.prisma, auditorId, new URLSearchParams("from=1&to=11"), opts)).toMatchObject({ ok: false, status: 400, field: "to" });
    expect(await openEventsExport(t.prisma, auditorId, new URLSearchParams("from=x"), opts)).toMatchObject({ ok: false, status: 400, field: "from" });
    expect(await openEventsExport(t.prisma, employee.id, new URLSearchParams("from=1"), opts)).toMatchObject({ ok: false, status: 403 });
    const out = await openEventsExport(t.prisma, auditorId, new URLSearchParams("from=21"), opts);
    expect(out).toMatchObject({ ok: true, filename: "warrant-events-21-30.jsonl" });
    const rows = (await new Response((out as { body: ReadableStream<Uint8Array> }).body).text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; seq?: string; to?: string });
    expect(rows[0]).toMatchObject({ type: "range", to: "30" });
    expect(rows.filter((r) => r.type === "event").map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, k) => String(21 + k)));
    // Exactly maxRange events is allowed.
    expect(await openEventsExport(t.prisma, auditorId, new URLSearchParams("from=1&to=10"), opts)).toMatchObject({ ok: true });
  });
});
