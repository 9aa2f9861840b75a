import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeHuman } from "../testing/factories";
import { recordEvent } from "./ledger";
import { listLedgerEvents, ZListLedgerEvents } from "./queries";

let t: TestDb;
let alice: string;
let bob: string;

beforeAll(async () => {
  t = await createTestDb();
  alice = (await makeHuman(t.prisma, { name: "Alice" })).id;
  bob = (await makeHuman(t.prisma, { name: "Bob" })).id;
  const days = ["2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z", "2026-01-03T23:59:59.500Z", "2026-01-04T00:00:00Z"];
  for (const [i, day] of days.entries()) {
    await t.prisma.$transaction((tx) =>
      recordEvent(tx, { actorId: i % 2 ? bob : alice, action: i === 3 ? "grant.revoked" : "request.submitted", subjectType: i === 3 ? "Grant" : "AccessRequest", subjectId: `subject-${i}`, occurredAt: new Date(day), payload: { i } }),
    );
  }
});
afterAll(async () => {
  await t.close();
});

const list = (input: Record<string, unknown>) => listLedgerEvents(t.prisma, ZListLedgerEvents.parse(input));
const seqs = async (input: Record<string, unknown>) => (await list(input)).rows.map((r) => r.seq);

describe(`ledger explorer (${TEST_ENGINE})`, () => {
  it("filters by time range (UTC days, inclusive), actor, action and subject", async () => {
    expect(await seqs({ from: "2026-01-02", to: "2026-01-03" })).toEqual(["3", "2"]);
    expect(await seqs({ from: "2026-01-04" })).toEqual(["4"]);
    expect(await seqs({ to: "2026-01-01" })).toEqual(["1"]);
    expect(await seqs({ actorId: bob })).toEqual(["4", "2"]);
    expect(await seqs({ action: "grant.revoked" })).toEqual(["4"]);
    expect(await seqs({ subjectType: "AccessRequest", subjectId: "subject-2" })).toEqual(["3"]);
    expect(await seqs({ actorId: alice, dir: "asc" })).toEqual(["1", "3"]);
  });

  it("checks each event's link, also on a filtered page (against the event before it in the chain)", async () => {
    const page = await list({ actorId: bob });
    expect(page.rows.every((r) => r.link.ok)).toBe(true);
    const e2 = await t.prisma.ledgerEvent.findUniqueOrThrow({ where: { seq: 2n } });
    await t.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "payload" = '{"i": 99}' WHERE "seq" = 2;
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    const broken = await list({});
    const bySeq = Object.fromEntries(broken.rows.map((r) => [r.seq, r.link]));
    expect(bySeq["2"]).toMatchObject({ ok: false, reason: expect.stringContaining("hash mismatch") });
    // The edit changes only event 2's recomputed hash: event 3 still links to the stored hash of event 2.
    expect(bySeq["3"]!.ok).toBe(true);
    await t.rawSql(`ALTER TABLE "LedgerEvent" DISABLE TRIGGER "LedgerEvent_no_update_delete";
      UPDATE "LedgerEvent" SET "prevHash" = '${"f".repeat(64)}' WHERE "seq" = 3;
      UPDATE "LedgerEvent" SET "payload" = '${JSON.stringify(e2.payload)}' WHERE "seq" = 2;
      ALTER TABLE "LedgerEvent" ENABLE TRIGGER "LedgerEvent_no_update_delete";`);
    const relinked = Object.fromEntries((await list({ actorId: alice })).rows.map((r) => [r.seq, r.link]));
    expect(relinked["1"]!.ok).toBe(true);
    expect(relinked["3"]).toMatchObject({ ok: false, reason: expect.stringContaining("prevHash") });
  });

  it("rejects a malformed date or actor id", () => {
    expect(ZListLedgerEvents.safeParse({ from: "yesterday" }).success).toBe(false);
    expect(ZListLedgerEvents.safeParse({ actorId: "bob" }).success).toBe(false);
  });
});
