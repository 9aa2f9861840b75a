/**
 * grants.jsonl and ledger-events.jsonl are written by the database (row_to_json over a cursor,
 * server/evidence/export.ts `jsonPages`), not by JSON.stringify over row objects. Each line must still be what
 * the pack's format says: for a grant, the GRANT_COLUMNS in order, compact JSON with JSON's escapes,
 * timestamps as `Date.toISOString()` gives them, the ledger references counted up to the snapshot; for an
 * event, LedgerLine's fields in order with the payload's exact value. This test builds every expected line the
 * plain way (Prisma reads, JavaScript formatting) and holds the grant lines to it byte for byte and the event
 * lines value for value (the payload is printed by PostgreSQL), over names and payloads with every kind of
 * character JSON must escape, timestamps with and without milliseconds, and revoked grants.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { bodyOf, recordEvent } from "../ledger/ledger";
import { GRANT_COLUMNS, toJsonText, type LedgerLine } from "./format";
import { entry, exportTo, packDir, readZip, useTempKey } from "./pack-kit";

const dir = packDir();
useTempKey(dir);
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

/**
 * Names JSON must escape or must leave alone: quotes, backslashes, every control character PostgreSQL text can
 * hold (not NUL), DEL, line separators, astral characters.
 */
const NAMES = [
  'a "quoted" \\ backslash',
  Array.from({ length: 31 }, (_, c) => String.fromCharCode(c + 1)).join("") + "\u007f",
  "line\u2028separator\u2029paragraph",
  "Zoë 🚀 日本語 ﷽",
  "=HYPERLINK(\"x\")",
  "",
];

let db: TestDb;
let lines: string[];
let ledgerLines: string[];
let endSeq: bigint;

beforeAll(async () => {
  db = await createTestDb();
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  const system = await makeSystem(db.prisma, owner.id, { name: 'Pay"roll\\' });
  const times = [new Date("2026-01-02T03:04:05.000Z"), new Date("2026-01-02T03:04:05.120Z"), new Date("2026-01-02T03:04:05.999Z"), new Date("2026-06-30T23:59:59.001Z")];
  let i = 0;
  for (const name of NAMES) {
    const holder = await makeHuman(db.prisma, { name });
    const ent = await makeEntitlement(db.prisma, system.id, { name: name || "empty", privileged: i % 2 === 0, risk: i % 2 ? "HIGH" : "LOW" });
    const at = times[i % times.length]!;
    const revoked = i % 3 === 1;
    await db.prisma.$transaction(async (tx) => {
      const g = await tx.grant.create({
        data: {
          identityId: holder.id,
          entitlementId: ent.id,
          status: revoked ? "REVOKED" : "ACTIVE",
          origin: "IMPORTED",
          startsAt: at,
          expiresAt: i % 2 ? times[(i + 1) % times.length] : null,
          ...(revoked ? { revokedAt: times[(i + 2) % times.length], revocationCause: "MANUAL" as const, revokedById: owner.id, revocationNote: `why ${name}` } : {}),
        },
      });
      await recordEvent(tx, { actorId: null, action: "grant.imported", subjectType: "Grant", subjectId: g.id, occurredAt: at, payload: { name, n: i, big: 12345678901234, f: 0.25, neg: -1e-7, nested: { list: [name, null, true, { z: 1, a: [] }] } } });
      // Some grants have more than one event.
      if (i % 2) await recordEvent(tx, { actorId: owner.id, action: "grant.noted", subjectType: "Grant", subjectId: g.id, occurredAt: at, payload: {} });
    });
    i++;
  }
  // A grant without any ledger event: firstEventSeq null, ledgerEvents 0 (the verifier rightly fails such a pack;
  // this test is about how the line is written).
  const bare = await makeHuman(db.prisma, { name: "No Events" });
  const bareEnt = await makeEntitlement(db.prisma, system.id, { name: "bare" });
  await db.prisma.grant.create({ data: { identityId: bare.id, entitlementId: bareEnt.id, status: "ACTIVE", origin: "IMPORTED", startsAt: times[0]! } });

  const file = path.join(dir, "lines.zip");
  // Pages of 4 rows: lines from several fetches.
  await exportTo(db.prisma, file, ALL, { batchSize: 4, onSnapshot: (head) => (endSeq = head.seq) });
  const zip = await readZip(file);
  lines = entry(zip, "grants.jsonl").data.toString("utf8").split("\n");
  ledgerLines = entry(zip, "ledger-events.jsonl").data.toString("utf8").split("\n");
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`grants.jsonl lines written by the database (${TEST_ENGINE})`, () => {
  it("are byte for byte the lines JSON.stringify makes of the grant read the plain way, in id order", async () => {
    const grants = await db.prisma.grant.findMany({ orderBy: { id: "asc" }, include: { identity: true, entitlement: { include: { system: true } } } });
    const events = await db.prisma.ledgerEvent.findMany({ where: { subjectType: "Grant" }, select: { subjectId: true, seq: true } });
    const expected = grants.map((g) => {
      const mine = events.filter((e) => e.subjectId === g.id);
      const row: Record<(typeof GRANT_COLUMNS)[number], unknown> = {
        id: g.id,
        identityId: g.identityId,
        identityName: g.identity.displayName,
        identityKind: g.identity.kind,
        identityEmail: g.identity.email,
        entitlementId: g.entitlementId,
        entitlementName: g.entitlement.name,
        systemId: g.entitlement.system.id,
        systemName: g.entitlement.system.name,
        risk: g.entitlement.risk,
        privileged: g.entitlement.privileged,
        status: g.status,
        origin: g.origin,
        requestId: g.requestId,
        startsAt: g.startsAt.toISOString(),
        expiresAt: g.expiresAt?.toISOString() ?? null,
        revokedAt: g.revokedAt?.toISOString() ?? null,
        revocationCause: g.revocationCause,
        revokedById: g.revokedById,
        revocationNote: g.revocationNote,
        createdAt: g.createdAt.toISOString(),
        firstEventSeq: mine.length ? mine.reduce((m, e) => (e.seq < m ? e.seq : m), mine[0]!.seq).toString() : null,
        ledgerEvents: mine.filter((e) => e.seq <= endSeq).length,
      };
      return `${toJsonText(Object.fromEntries(GRANT_COLUMNS.map((c) => [c, row[c]])))}`;
    });
    expect(grants.length).toBe(NAMES.length + 1);
    expect(lines.at(-1)).toBe(""); // the file ends with a newline
    expect(lines.slice(0, -1)).toEqual(expected);
  });

  it("ledger-events.jsonl: every event up to the snapshot, in seq order, each line LedgerLine's fields in order with the stored values", async () => {
    const events = await db.prisma.ledgerEvent.findMany({ where: { seq: { lte: endSeq } }, orderBy: { seq: "asc" } });
    const expected: LedgerLine[] = events.map((e) => ({ ...bodyOf(e), prevHash: e.prevHash, hash: e.hash }));
    expect(expected.length).toBeGreaterThan(NAMES.length);
    expect(ledgerLines.at(-1)).toBe("");
    const parsed = ledgerLines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of parsed) expect(Object.keys(p)).toEqual(Object.keys(expected[0]!));
    expect(parsed).toEqual(expected);
    // The payload's text is PostgreSQL's; every line is still one line of JSON.
    for (const l of ledgerLines.slice(0, -1)) expect(l).not.toMatch(/[\r\n]/);
  });
});
