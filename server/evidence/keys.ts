/**
 * The evidence signing key (Ed25519). It lives outside the database on purpose: whoever can write to the
 * database must not also be able to sign what it says.
 *
 *  - EVIDENCE_KEY_FILE set: that file (PEM, PKCS#8, Ed25519) is used; a missing or wrong file is an error
 *    (a typo in the path must not silently start a new key).
 *  - unset: `.data/keys/evidence-ed25519.pem`, generated at the first start (`npm start` / `npm run worker`
 *    call ensureSigningKey; mode 0600) and reused afterwards.
 *
 * keyId = the first 16 hex characters of SHA-256 over the public key's SPKI DER encoding.
 *
 * Every key used is registered (public half only) in the SigningKey table, with the ledger event
 * "evidence.key_registered", so that after a rotation a pack can still carry the public key of an older
 * checkpoint it is anchored to. The registry is immutable (a trigger refuses UPDATE and DELETE).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Tx, PrismaClient } from "../db";
import { env } from "../env";
import { readOrCreateOnce } from "../file-once";
import { recordEvent } from "../ledger/ledger";
import { keyIdOf } from "./format";

export { keyIdOf };

export const DEFAULT_KEY_FILE = ".data/keys/evidence-ed25519.pem";

export type SigningKey = { keyId: string; privateKey: KeyObject; publicKey: KeyObject; publicKeyPem: string; file: string };

export class EvidenceKeyError extends Error {}

function fromPem(pem: string, file: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new EvidenceKeyError(`The evidence signing key in ${file} is not a readable PEM private key (${(e as Error).message}).`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new EvidenceKeyError(`The evidence signing key in ${file} is a ${privateKey.asymmetricKeyType} key; an Ed25519 key is required.`);
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), file };
}

/** Reads the key at `file`; when `generate` is set and there is none, creates one (0600) first. */
export function loadKeyFile(file: string, opts: { generate: boolean }): SigningKey {
  const abs = path.resolve(/* turbopackIgnore: true */ file);
  let pem: string;
  try {
    pem = readFileSync(abs, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new EvidenceKeyError(`Cannot read the evidence signing key ${abs}: ${(e as Error).message}`);
    if (!opts.generate) throw new EvidenceKeyError(`EVIDENCE_KEY_FILE points to ${abs}, which does not exist. Create it (e.g. \`openssl genpkey -algorithm ed25519 -out ${file}\`) or unset EVIDENCE_KEY_FILE to let Warrant generate one.`);
    // Two processes starting at once cannot both write a key; the loser reads the winner's, whole.
    pem = readOrCreateOnce(abs, () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  }
  return fromPem(pem, abs);
}

const cache = new Map<string, SigningKey>();

/** The configured signing key (see the header). Cached per file for the life of the process. */
export async function loadSigningKey(): Promise<SigningKey> {
  const configured = env().EVIDENCE_KEY_FILE;
  const file = configured ?? DEFAULT_KEY_FILE;
  const hit = cache.get(file);
  if (hit) return hit;
  const key = loadKeyFile(file, { generate: !configured });
  cache.set(file, key);
  return key;
}

export const KEY_REGISTERED = "evidence.key_registered";

/**
 * Records the key's public half in the registry (once: ON CONFLICT DO NOTHING, so two processes starting at
 * once register it once) with its ledger event. Returns whether this call registered it.
 */
export async function registerSigningKey(db: PrismaClient, key: Pick<SigningKey, "keyId" | "publicKeyPem">, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ keyId: string }[]>`
      INSERT INTO "SigningKey" ("keyId", "algorithm", "publicKey", "registeredAt")
      VALUES (${key.keyId}, 'Ed25519', ${key.publicKeyPem}, ${now.toISOString()}::timestamptz)
      ON CONFLICT ("keyId") DO NOTHING RETURNING "keyId"`;
    if (!rows.length) return false;
    await recordEvent(tx, {
      actorId: null,
      action: KEY_REGISTERED,
      subjectType: "SigningKey",
      subjectId: key.keyId,
      occurredAt: now,
      payload: { keyId: key.keyId, algorithm: "Ed25519", publicKey: key.publicKeyPem },
    });
    return true;
  });
}

/** Keys known to be registered, per database client (tests open several databases in one process). */
const registered = new WeakMap<object, Set<string>>();

/**
 * The signing key, generated if needed and registered in the database. Called at start (prepare-db, the
 * worker) and before anything is signed; cheap after the first call in a process.
 */
export async function ensureSigningKey(db: PrismaClient, now: Date = new Date(), key?: SigningKey): Promise<SigningKey & { registeredNow: boolean }> {
  const k = key ?? (await loadSigningKey());
  const known = registered.get(db) ?? new Set<string>();
  registered.set(db, known);
  if (known.has(k.keyId)) return { ...k, registeredNow: false };
  const registeredNow = await registerSigningKey(db, k, now);
  known.add(k.keyId);
  return { ...k, registeredNow };
}

/** Every registered key, oldest first: the current one and any used before a rotation. */
export async function registeredKeys(db: Tx): Promise<{ keyId: string; algorithm: string; publicKeyPem: string; registeredAt: Date }[]> {
  const rows = await db.signingKey.findMany({ orderBy: [{ registeredAt: "asc" }, { keyId: "asc" }] });
  return rows.map((r) => ({ keyId: r.keyId, algorithm: r.algorithm, publicKeyPem: r.publicKey, registeredAt: r.registeredAt }));
}
