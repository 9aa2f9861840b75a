/**
 * A webhook's signing secret. Either a connector secret reference (env:WARRANT_CONNECTOR_<NAME> | file:<name>,
 * resolved when signing, as the webhook connector does), or a secret Warrant generates, shows once and keeps
 * sealed: AES-256-GCM with a key derived (HKDF-SHA256) from the portal's auth secret (NEXTAUTH_SECRET, which
 * every instance and worker shares). HMAC needs the secret itself when signing, so a hash cannot be kept; the
 * database alone never reveals it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
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
