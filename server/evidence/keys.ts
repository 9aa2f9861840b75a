/**
 * The evidence signing key (Ed25519). It lives outside the database on purpose: whoever can write to the
 * database must not also be able to sign what it says.
 *
 *  - EVIDENCE_KEY_FILE set: that file (PEM, PKCS#8, Ed25519) is used; a missing or wrong file is an error
 *    (a typo in the path must not silently start a new key).
 *  - unset: `.data/keys/evidence-ed25519.pem`, generated on first use (mode 0600) and reused afterwards.
 *
 * keyId = the first 16 hex characters of SHA-256 over the public key's SPKI DER encoding.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";
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
    mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync("ed25519");
    const fresh = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    try {
      // "wx": two processes starting at once cannot both write a key; the loser reads the winner's.
      writeFileSync(abs, fresh, { mode: 0o600, flag: "wx" });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== "EEXIST") throw w;
    }
    pem = readFileSync(abs, "utf8");
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
