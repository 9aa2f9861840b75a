/**
 * Evidence packs on a live database and across a key rotation:
 *  - an export reads one snapshot: writes that commit while it runs are not in the pack, and the pack
 *    still verifies (its checkpoint is the snapshot's head, stored once the snapshot is closed);
 *  - storeCheckpoint refuses a head the ledger does not have;
 *  - signing keys are registered once (with a ledger event) and the registry is immutable;
 *  - after a rotation, a pack anchored to a checkpoint of the earlier key carries that key's public half,
 *    and the verifier accepts it only when that key is trusted too.
 */
import { createWriteStream, rmSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../testing/factories";
import { recordEvent, verifyChain } from "../ledger/ledger";
import { CheckpointMismatchError, signCheckpoint, storeCheckpoint, signHead } from "./checkpoints";
import { exportEvidencePack } from "./export";
import { FILES, type Manifest } from "./format";
import { ensureSigningKey, loadKeyFile, registerSigningKey, type SigningKey } from "./keys";
import { entry, exportTo, packDir, readZip, reseal, tamper, useTempKey } from "./pack-kit";
import { verifyPack, formatReport, type VerifyResult } from "./verify";
import { sign } from "node:crypto";

const dir = packDir();
const current = useTempKey(dir);
let db: TestDb;
let keyA: SigningKey;
let keyB: SigningKey;
const ALL = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

const failures = (r: VerifyResult) => r.checks.flatMap((c) => c.failures.map((f) => `${c.name}: ${f}`)).join("\n");
const lines = (buf: Buffer) => buf.toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** A grant and its ledger event, committed together (as every service does). */
async function grantWithEvent(identityId: string, entitlementId: string, at: Date, on: TestDb = db) {
  return on.prisma.$transaction(async (tx) => {
    const g = await tx.grant.create({ data: { identityId, entitlementId, status: "ACTIVE", origin: "IMPORTED", startsAt: at } });
    await recordEvent(tx, { actorId: null, action: "grant.imported", subjectType: "Grant", subjectId: g.id, occurredAt: at, payload: { identityId, entitlementId } });
    return g;
  });
}

let person: { id: string };
let ent: { id: string };

beforeAll(async () => {
  db = await createTestDb();
  keyA = loadKeyFile(path.join(dir, "key-a.pem"), { generate: true });
  keyB = loadKeyFile(path.join(dir, "key-b.pem"), { generate: true });
  person = await makeHuman(db.prisma, { name: "Snapshot Person" });
  const owner = await makeHuman(db.prisma, { name: "Snapshot Owner" });
  const sys = await makeSystem(db.prisma, owner.id, { name: "Snapshot System" });
  ent = await makeEntitlement(db.prisma, sys.id, { name: "snapshot-read" });
  for (let i = 0; i < 6; i++) await grantWithEvent(person.id, ent.id, new Date(Date.UTC(2026, 0, 1 + i)));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`an export reads one snapshot (${TEST_ENGINE})`, () => {
  it("writes that commit while the export runs are not in the pack, and the pack verifies", async () => {
    const file = path.join(dir, "live.zip");
    const before = new Set((await db.prisma.grant.findMany({ select: { id: true } })).map((g) => g.id));
    let writes: Promise<unknown> | null = null;
    let snapshotSeq = 0n;
    // Start three writers the moment the export has its snapshot.
    const onSnapshot = (head: { seq: bigint }) => {
      snapshotSeq = head.seq;
      writes = Promise.all([0, 1, 2].map((i) => grantWithEvent(person.id, ent.id, new Date(Date.UTC(2026, 1, 1 + i)))));
    };
    // PostgreSQL: hold the export's output until the writers have committed, so they land mid-export.
    // PGlite has one connection: the writers queue behind the export's transaction, so nothing is held.
    const sink = createWriteStream(file);
    let writesDoneMidExport = false;
    const out =
      TEST_ENGINE === "postgres"
        ? new Writable({
            write(chunk, _enc, cb) {
              const go = () => sink.write(chunk, cb);
              if (writes && !writesDoneMidExport)
                void writes.then(() => {
                  writesDoneMidExport = true;
                  go();
                }, cb);
              else go();
            },
            final(cb) {
              sink.end(cb);
            },
          })
        : sink;
    const res = await exportEvidencePack(db.prisma, ALL, out, { batchSize: 2, onSnapshot });
    if (out !== sink) await new Promise((r) => sink.close(r));
    expect(writes).not.toBeNull();
    await writes;
    if (TEST_ENGINE === "postgres") expect(writesDoneMidExport).toBe(true);

    // The three new grants are in the database, not in the pack; the pack's ledger ends at the snapshot head.
    const after = await db.prisma.grant.findMany({ select: { id: true } });
    const added = after.map((g) => g.id).filter((id) => !before.has(id));
    expect(added).toHaveLength(3);
    const zip = await readZip(file);
    const packGrants = lines(entry(zip, FILES.grants).data).map((g) => g.id);
    expect(packGrants.sort()).toEqual([...before].sort());
    expect(res.checkpointSeq).toBe(snapshotSeq.toString());
    const ledger = lines(entry(zip, FILES.ledger).data);
    expect(ledger.at(-1)!.seq).toBe(snapshotSeq.toString());

    // The checkpoint of the snapshot head was stored after the snapshot, with its event.
    const cp = await db.prisma.checkpoint.findFirstOrThrow({ where: { reason: "export", seq: snapshotSeq } });
    expect(await db.prisma.ledgerEvent.count({ where: { action: "checkpoint.signed", subjectId: cp.id } })).toBe(1);
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();

    const r = await verifyPack(file, { publicKeyPem: current.publicKeyPem });
    if (!r.ok) throw new Error(formatReport(r));
  });

  it("the verifier refuses a row whose first ledger event is after the pack's checkpoint (a pack not from one snapshot)", async () => {
    const src = path.join(dir, "live.zip");
    const dst = path.join(dir, "late-row.zip");
    await tamper(src, dst, (es) => {
      const e = entry(es, FILES.grants);
      const rows = lines(e.data);
      rows[0]!.firstEventSeq = "999999";
      e.data = Buffer.from(rows.map((x) => `${JSON.stringify(x)}\n`).join(""));
      // Signed again with the real key, sizes and hashes made to match: only the cross-reference can catch it.
      reseal(es, current.file);
    });
    const r = await verifyPack(dst);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === "cross-references")!.failures.join("\n")).toMatch(/first ledger event \(seq 999999\) is after the export checkpoint/);
  });
});

describe(`checkpoints signed from a snapshot (${TEST_ENGINE})`, () => {
  it("storeCheckpoint refuses a head the ledger does not have, and writes nothing", async () => {
    const head = await db.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
    const counts = async () => [await db.prisma.checkpoint.count(), await db.prisma.ledgerEvent.count()];
    const before = await counts();
    const wrongHash = signHead(keyA, { seq: BigInt(head.seq), hash: "f".repeat(64) }, new Date(), "export");
    await expect(storeCheckpoint(db.prisma, wrongHash)).rejects.toThrow(CheckpointMismatchError);
    const beyondHead = signHead(keyA, { seq: BigInt(head.seq) + 10n, hash: head.hash }, new Date(), "export");
    await expect(storeCheckpoint(db.prisma, beyondHead)).rejects.toThrow(/no event at seq/);
    expect(await counts()).toEqual(before);
  });
});

describe(`the signing-key registry (${TEST_ENGINE})`, () => {
  it("registers a key once, with one ledger event, however many callers race", async () => {
    const fresh = loadKeyFile(path.join(dir, "key-race.pem"), { generate: true });
    const results = await Promise.all([1, 2, 3, 4].map(() => registerSigningKey(db.prisma, fresh, new Date())));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await db.prisma.signingKey.count({ where: { keyId: fresh.keyId } })).toBe(1);
    const ev = await db.prisma.ledgerEvent.findMany({ where: { action: "evidence.key_registered", subjectId: fresh.keyId } });
    expect(ev).toHaveLength(1);
    expect(ev[0]!.payload).toMatchObject({ keyId: fresh.keyId, publicKey: fresh.publicKeyPem });
    expect(await registerSigningKey(db.prisma, fresh, new Date())).toBe(false);
  });

  it("refuses to change or delete a registered key", async () => {
    const k = await db.prisma.signingKey.findFirstOrThrow();
    await expect(db.prisma.signingKey.update({ where: { keyId: k.keyId }, data: { publicKey: keyB.publicKeyPem } })).rejects.toThrow(/immutable/);
    await expect(db.prisma.signingKey.delete({ where: { keyId: k.keyId } })).rejects.toThrow(/immutable/);
    expect(await db.prisma.signingKey.findUniqueOrThrow({ where: { keyId: k.keyId } })).toEqual(k);
  });
});

describe(`after a key rotation (${TEST_ENGINE})`, () => {
  let pack: string;
  let manifest: Manifest;
  let rdb: TestDb;

  beforeAll(async () => {
    // A database of its own, so that its ledger is only this story: key A is registered and signs a
    // checkpoint; later events; the organisation rotates to key B and exports a period after A's checkpoint.
    rdb = await createTestDb();
    const p = await makeHuman(rdb.prisma, { name: "Rotation Person" });
    const sys = await makeSystem(rdb.prisma, p.id, { name: "Rotation System" });
    const e = await makeEntitlement(rdb.prisma, sys.id, { name: "rotation-read" });
    await grantWithEvent(p.id, e.id, new Date("2026-02-01T00:00:00Z"), rdb);
    await ensureSigningKey(rdb.prisma, new Date("2026-02-01T00:00:00Z"), keyA);
    await signCheckpoint(rdb.prisma, "schedule", new Date("2026-03-01T00:00:00Z"), { key: keyA });
    for (let i = 0; i < 3; i++) await grantWithEvent(p.id, e.id, new Date(Date.UTC(2026, 2, 10 + i)), rdb);
    await ensureSigningKey(rdb.prisma, new Date("2026-03-15T00:00:00Z"), keyB);
    pack = path.join(dir, "rotated.zip");
    await exportTo(rdb.prisma, pack, { from: new Date("2026-03-05T00:00:00Z"), to: ALL.to }, { key: keyB, now: new Date("2026-03-20T00:00:00Z") });
    manifest = JSON.parse(entry(await readZip(pack), FILES.manifest).data.toString("utf8")) as Manifest;
  });
  afterAll(async () => rdb.close());

  it("anchors the pack to the earlier key's checkpoint and carries that key's public half", () => {
    expect(manifest.keyId).toBe(keyB.keyId);
    expect(manifest.ledger.anchor).toMatchObject({ keyId: keyA.keyId, reason: "schedule" });
    expect(manifest.checkpointKeys).toEqual([{ keyId: keyA.keyId, publicKey: keyA.publicKeyPem }]);
    expect(manifest.ledger.checkpoint.keyId).toBe(keyB.keyId);
  });

  it("verifies with both keys trusted, and with the pack's own keys", async () => {
    const both = await verifyPack(pack, { publicKeyPems: [keyB.publicKeyPem, keyA.publicKeyPem] });
    expect(failures(both)).toBe("");
    expect(both.ok).toBe(true);
    expect((await verifyPack(pack)).ok).toBe(true);
  });

  it("fails when only the current key is trusted, naming the earlier key", async () => {
    const r = await verifyPack(pack, { publicKeyPem: keyB.publicKeyPem });
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === "signature")!.failures).toEqual([]);
    expect(r.checks.find((c) => c.name === "checkpoints")!.failures.join("\n")).toMatch(
      new RegExp(`anchor checkpoint \\(seq \\d+\\) is signed with key ${keyA.keyId}, which is not one of the keys given with --public-key \\(${keyB.keyId}\\); the pack carries that key's public half`),
    );
  });

  it("fails when the earlier key's public half is missing from the pack or does not match its id", async () => {
    const edit = async (name: string, change: (m: Manifest) => void) => {
      const dst = path.join(dir, `${name}.zip`);
      await tamper(pack, dst, (es) => {
        const m = entry(es, FILES.manifest);
        const json = JSON.parse(m.data.toString("utf8")) as Manifest;
        change(json);
        m.data = Buffer.from(`${JSON.stringify(json, null, 2)}\n`);
        // Re-signed with the real current key: only the key list is wrong.
        entry(es, FILES.signature).data = Buffer.from(`${sign(null, m.data, keyB.privateKey).toString("base64")}\n`);
      });
      return verifyPack(dst);
    };
    const missing = await edit("no-anchor-key", (m) => (m.checkpointKeys = []));
    expect(missing.ok).toBe(false);
    expect(missing.checks.find((c) => c.name === "checkpoints")!.failures.join("\n")).toMatch(new RegExp(`signed with key ${keyA.keyId}, whose public key is not in the pack`));
    const swapped = await edit("swapped-anchor-key", (m) => (m.checkpointKeys = [{ keyId: keyA.keyId, publicKey: current.publicKeyPem }]));
    expect(swapped.ok).toBe(false);
    expect(swapped.checks.find((c) => c.name === "checkpoints")!.failures.join("\n")).toMatch(new RegExp(`the checkpoint key listed as ${keyA.keyId} is really`));
  });
});
