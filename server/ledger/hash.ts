/**
 * How a ledger event is hashed. Pure and dependency-light on purpose: the offline verifier uses the same
 * rules, and docs/ledger.md describes them so a verifier in any language can recompute every hash.
 *
 *   hash = hex(SHA-256( utf8(prevHash) ‖ utf8(JCS(body)) ))
 *   body = { seq, occurredAt, actorId, onBehalfOfId, action, subjectType, subjectId, payload }
 *
 * JCS is RFC 8785 (the `canonicalize` package); seq is a decimal string, occurredAt ISO 8601 UTC with ms.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

export const GENESIS_HASH = "0".repeat(64);

export type LedgerBody = {
  seq: string;
  occurredAt: string;
  actorId: string | null;
  onBehalfOfId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payload: unknown;
};

export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error("value cannot be canonicalized");
  return out;
}

export function eventHash(prevHash: string, body: LedgerBody): string {
  return createHash("sha256").update(prevHash, "utf8").update(canonicalJson(body), "utf8").digest("hex");
}

/**
 * Turns a payload into plain JSON (Dates to ISO strings, bigint to strings, undefined dropped) so what is
 * stored is exactly what was hashed. Non-finite numbers are rejected rather than silently changed.
 */
export function toPlainJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value ?? {}, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (typeof v === "number" && !Number.isFinite(v)) throw new Error("ledger payload contains a non-finite number");
      return v;
    }),
  );
}
