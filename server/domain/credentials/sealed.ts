/**
 * An issued password is kept only until its owner reveals it, sealed with AES-256-GCM under a key held outside
 * the database (whoever reads the database must not read the passwords):
 *
 *  - CREDENTIAL_KEY_FILE set: that file (32 random bytes, base64: `openssl rand -base64 32 > key`); a missing
 *    or malformed file is an error (a typo in the path must not silently start a new key).
 *  - unset: `.data/keys/credential-aes256.key`, generated at first use (mode 0600) and reused afterwards, like
 *    the evidence signing key (server/evidence/keys.ts).
 *
 * Sealed form: base64 of `v1` key id (8 hex of SHA-256 of the key) ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext;
 * the credential's id is the additional authenticated data, so a ciphertext copied onto another credential
 * does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { env } from "../../env";
import { readOrCreateOnce } from "../../file-once";

export const DEFAULT_CREDENTIAL_KEY_FILE = ".data/keys/credential-aes256.key";

export class CredentialKeyError extends Error {}

type Key = { key: Buffer; keyId: string };

function parseKey(text: string, file: string): Key {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new CredentialKeyError(`The credential key in ${file} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes.`);
  return { key, keyId: createHash("sha256").update(key).digest("hex").slice(0, 8) };
}

function loadKeyFile(file: string, generate: boolean): Key {
  const abs = path.resolve(/* turbopackIgnore: true */ file);
  try {
    return parseKey(readFileSync(abs, "utf8"), abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e instanceof CredentialKeyError ? e : new CredentialKeyError(`Cannot read the credential key ${abs}: ${(e as Error).message}`);
    if (!generate) throw new CredentialKeyError(`CREDENTIAL_KEY_FILE points to ${abs}, which does not exist. Create it (\`openssl rand -base64 32 > ${file}\`) or unset CREDENTIAL_KEY_FILE to let Warrant generate one.`);
  }
  // Two processes starting at once cannot both write a key; the loser reads the winner's, whole.
  return parseKey(readOrCreateOnce(abs, () => randomBytes(32).toString("base64") + "\n"), abs);
}

const cache = new Map<string, Key>();

function credentialKey(): Key {
  const configured = env().CREDENTIAL_KEY_FILE;
  const file = configured ?? DEFAULT_CREDENTIAL_KEY_FILE;
  let k = cache.get(file);
  if (!k) {
    k = loadKeyFile(file, !configured);
    cache.set(file, k);
  }
  return k;
}

/** Seals `secret` for the credential `credentialId`. */
export function seal(secret: string, credentialId: string): string {
  const { key, keyId } = credentialKey();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(credentialId, "utf8"));
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from(keyId, "hex"), iv, cipher.getAuthTag(), body]).toString("base64");
}

/** Opens what seal made for the same credential; throws when the key, the credential or the bytes differ. */
export function unseal(sealed: string, credentialId: string): string {
  const { key, keyId } = credentialKey();
  const raw = Buffer.from(sealed, "base64");
  if (raw.length < 4 + 12 + 16 || raw.subarray(0, 4).toString("hex") !== keyId) {
    throw new CredentialKeyError("The sealed password was made with another credential key (CREDENTIAL_KEY_FILE changed?): rotate the credential to issue a new one.");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(4, 16));
  decipher.setAAD(Buffer.from(credentialId, "utf8"));
  decipher.setAuthTag(raw.subarray(16, 32));
  return Buffer.concat([decipher.update(raw.subarray(32)), decipher.final()]).toString("utf8");
}
