/**
 * A webhook's signing secret. Either a connector secret reference (env:WARRANT_CONNECTOR_<NAME> | file:<name>,
 * resolved when signing, as the webhook connector does), or a secret Warrant generates, shows once and keeps
 * sealed: AES-256-GCM with a key derived (HKDF-SHA256) from the portal's auth secret (NEXTAUTH_SECRET, which
 * every instance and worker shares). HMAC needs the secret itself when signing, so a hash cannot be kept; the
 * database alone never reveals it.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { authSecret } from "../../auth/secret";
import { resolveSecretRef } from "../../connectors/secrets";

function sealingKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret(), "warrant-webhooks", "webhook signing secret v1", 32));
}

/** A fresh secret to show once: "whsec_" + 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function sealSecret(secret: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", sealingKey(), iv);
  const ct = Buffer.concat([c.update(secret, "utf8"), c.final()]);
  return `v1.${iv.toString("base64url")}.${c.getAuthTag().toString("base64url")}.${ct.toString("base64url")}`;
}

export function unsealSecret(sealed: string): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || !ct) throw new Error("the webhook's sealed secret is not in a known format");
  const d = createDecipheriv("aes-256-gcm", sealingKey(), Buffer.from(iv, "base64url"));
  d.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
}

/** The secret a subscription signs with. Throws (a ConnectorError or an Error) when it cannot be had. */
export function subscriptionSecret(sub: { secretRef: string | null; secretSealed: string | null }): string {
  if (sub.secretRef) return resolveSecretRef(sub.secretRef, "webhook subscription");
  if (sub.secretSealed) return unsealSecret(sub.secretSealed);
  throw new Error("the webhook subscription has no secret");
}

/**
 * The secrets a subscription signs with at `now`: its current one, and during a rotation's overlap (until
 * previousSecretUntil) the one it replaced. Throws when the current one cannot be had; a previous one that
 * cannot be had any more (a reference that stopped resolving) is left out.
 */
export function signingSecrets(
  sub: { secretRef: string | null; secretSealed: string | null; previousSecretRef: string | null; previousSecretSealed: string | null; previousSecretUntil: Date | null },
  now: Date,
): string[] {
  const current = subscriptionSecret(sub);
  if (!sub.previousSecretUntil || sub.previousSecretUntil.getTime() <= now.getTime()) return [current];
  try {
    return [current, subscriptionSecret({ secretRef: sub.previousSecretRef, secretSealed: sub.previousSecretSealed })];
  } catch {
    return [current];
  }
}

/** A secret's fingerprint for the ledger and the page: the first 16 hex digits of its SHA-256 (never the secret). */
export function secretFingerprint(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16);
}

/**
 * The X-Warrant-Signature header: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` per secret, the
 * current one first, separated by commas (two during a rotation's overlap).
 */
export function signatureHeader(secrets: string[], timestamp: string, rawBody: string): string {
  return secrets.map((k) => `sha256=${createHmac("sha256", k).update(`${timestamp}.${rawBody}`).digest("hex")}`).join(",");
}

/** Signed requests older or newer than this (against the receiver's clock) are refused. */
export const WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * What a receiver does (docs/events.md), as code: true when the timestamp is within 5 minutes of `now` and
 * ANY of the header's comma-separated `sha256=` values is the HMAC of "<timestamp>.<raw body>" under `secret`
 * (constant-time comparison). Used by the tests as the receiver.
 */
export function verifyWebhookSignature(secret: string, rawBody: string, timestamp: string | null | undefined, header: string | null | undefined, now = new Date()): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !header) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > WEBHOOK_SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex"));
  let ok = false;
  for (const part of header.split(",")) {
    const v = part.trim();
    if (!v.startsWith("sha256=")) continue;
    const given = Buffer.from(v.slice("sha256=".length));
    // No early exit: every value is compared.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
