/**
 * The ledger event feed: keyset pages in seq order, a consumer verifies the chain it received, the checkpoints
 * covering a page come with it, types filter, the long-poll wakes on a new event and stops on abort, and only
 * the ledger's readers may read it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { useTempKey } from "../../evidence/pack-kit";
import { signCheckpoint } from "../../evidence/checkpoints";
import { GENESIS_HASH } from "../../ledger/hash";
import { loadActor, type Actor } from "../actor";
import { appendEvents } from "./events-test-kit";
import { readEventFeed, readEvents, waitForEventsAfter } from "./feed";
import { ZFeedPage, type FeedEvent } from "./schema";
import { verifyCheckpointSignature, verifyFeedEvents } from "./verify";

let t: TestDb;
let dir: string;
let key: ReturnType<typeof useTempKey>;
const actors: Record<string, Actor> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "feed-"));
  key = useTempKey(dir);
  t = await createTestDb();
  for (const [name, roles] of Object.entries({ admin: ["ADMIN"], security: ["SECURITY"], auditor: ["AUDITOR"], employee: [] } as const)) {
    const p = await makeHuman(t.prisma, { roles: [...roles] });
    actors[name] = (await loadActor(t.prisma, p.id))!;
  }
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the event feed", () => {
  it("pages every event in seq order by keyset; the pages chain and verify from genesis; checkpoints cover them", async () => {
    await appendEvents(t.prisma, 25, "test.alpha", "a");
    const cp = (await signCheckpoint(t.prisma, "schedule", new Date()))!;
    await appendEvents(t.prisma, 7, "test.beta", "b");
    const all: FeedEvent[] = [];
    const checkpoints = [];
    let after = "0";
    let prevHash = GENESIS_HASH;
    for (let guard = 0; guard < 100; guard++) {
      const page = await readEventFeed(t.prisma, actors.auditor!, { after, limit: 10 });
      expect(ZFeedPage.safeParse(page).success).toBe(true);
      if (page.format !== "warrant") throw new Error("format");
      const v = verifyFeedEvents(page.events, prevHash, page.checkpoints);
      expect(v.problems).toEqual([]);
      prevHash = v.lastHash;
      all.push(...page.events);
      checkpoints.push(...page.checkpoints);
      after = page.next;
      if (!page.hasMore) break;
    }
    const head = await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(all.map((e) => BigInt(e.seq))).toEqual(Array.from({ length: Number(head.seq) }, (_, i) => BigInt(i + 1)));
    expect(after).toBe(head.seq.toString());
    expect(prevHash).toBe(head.hash);
    // The signed checkpoint came with the pages, matches the received chain and its signature checks.
    const got = checkpoints.find((c) => c.seq === cp.seq.toString())!;
    expect(got.headHash).toBe(all.find((e) => e.seq === cp.seq.toString())!.hash);
    expect(verifyCheckpointSignature(got, key.publicKeyPem)).toBe(true);
  });

  it("a tampered event in a page is caught by the consumer's check", async () => {
    const page = await readEvents(t.prisma, { after: 0n, limit: 5 });
    const bad = page.events.map((e, i) => (i === 2 ? { ...e, payload: { ...(e.payload as object), i: 999 } } : e));
    expect(verifyFeedEvents(bad).problems.join("\n")).toMatch(/hash does not recompute/);
  });

  it("filters by exact types and families, and `next` moves past what the filter skipped", async () => {
    const page = await readEvents(t.prisma, { after: 0n, limit: 1000, types: ["test.beta"] });
    expect(page.events).toHaveLength(7);
    expect(new Set(page.events.map((e) => e.action))).toEqual(new Set(["test.beta"]));
    expect(page.next).toBe(page.head);
    const family = await readEvents(t.prisma, { after: 0n, limit: 1000, types: ["test.*"] });
    expect(family.events).toHaveLength(32);
    const after = await readEvents(t.prisma, { after: BigInt(page.next), limit: 10, types: ["test.beta"] });
    expect(after).toMatchObject({ events: [], hasMore: false, next: page.next });
  });

  it("emits OCSF with the original event, seq and hash kept", async () => {
    const page = await readEventFeed(t.prisma, actors.security!, { after: "0", limit: 3, format: "ocsf" });
    expect(page.format).toBe("ocsf");
    const first = page.events[0]! as { metadata: { uid: string }; unmapped: { warrant: FeedEvent } };
    expect(first.metadata.uid).toBe("1");
    expect(verifyFeedEvents(page.events.map((e) => (e as typeof first).unmapped.warrant)).problems).toEqual([]);
  });

  it("is refused to anyone but admin, security and auditor", async () => {
    await expect(readEventFeed(t.prisma, actors.employee!, { after: "0" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(readEventFeed(t.prisma, actors.admin!, { after: "0", limit: 1 })).resolves.toMatchObject({ format: "warrant" });
  });

  it("refuses a bad query with words (and no events)", async () => {
    await expect(readEventFeed(t.prisma, actors.admin!, { after: "-1" })).rejects.toMatchObject({ code: "BAD_INPUT" });
    await expect(readEventFeed(t.prisma, actors.admin!, { after: "0", limit: 5000 })).rejects.toMatchObject({ code: "BAD_INPUT" });
    await expect(readEventFeed(t.prisma, actors.admin!, { after: "0", types: ["DROP TABLE"] })).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});

describe("long-poll", () => {
  it("wakes when an event is appended after `after`", async () => {
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    const waiting = readEventFeed(t.prisma, actors.admin!, { after: head.toString(), wait: 30 });
    await appendEvents(t.prisma, 2, "test.gamma", "g");
    const page = await waiting;
    if (page.format !== "warrant") throw new Error("format");
    expect(page.events.map((e) => e.action)).toEqual(["test.gamma", "test.gamma"]);
    expect(page.events[0]!.seq).toBe((head + 1n).toString());
  });

  it("returns at once when the request is aborted, with nothing new", async () => {
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    const ac = new AbortController();
    const waiting = waitForEventsAfter(t.prisma, head, { waitMs: 60_000, signal: ac.signal });
    ac.abort();
    // Resolves (the test would time out otherwise) with the unchanged head.
    expect(await waiting).toBe(head);
  });

  it("waits no longer than asked when nothing comes", async () => {
    const head = (await t.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq;
    const t0 = Date.now();
    expect(await waitForEventsAfter(t.prisma, head, { waitMs: 300, minIntervalMs: 50 })).toBe(head);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});
