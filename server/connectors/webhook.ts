/**
 * The webhook connector: an HMAC-signed HTTP POST to the endpoint configured on the system.
 *
 * Request: `POST <url>` with JSON `{ taskId, action: "GRANT" | "REVOKE" | "READ", entitlement: { name,
 * externalRef }, identity: { id, displayName, email, kind } }` and headers
 *   X-Warrant-Timestamp: <unix seconds>
 *   X-Warrant-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret>
 * The secret is read from the connector secrets namespace through `secretRef` (env:WARRANT_CONNECTOR_<NAME>
 * or file:<name>; never stored in the catalog, never one of the portal's own settings).
 *
 * Response: 2xx with `{ "status": "done", "readBack": { ... } }` confirms the action (when the read-back
 * carries a boolean `hasAccess`, it must agree with the action); 202 with `{ "status": "accepted" }` means
 * the endpoint will call back later (POST /api/connectors/webhook/callback, signed the same way, body
 * `{ taskId, status: "done" | "failed", readBack?, error? }`). Anything else is a failure, retried with backoff.
 *
 * Discovery (reconciliation): `GET <url>?list=access[&cursor=<next>]`, signed like the POSTs with the
 * signed text "<timestamp>.GET <path and query>" (listSignedText). The endpoint answers 200 with
 * `{ "memberships": [{ "account": "<email>", "entitlement": "<externalRef>" }, ...], "next": "<cursor>" | null }`,
 * in ascending order of (lower-cased account, entitlement) across pages (plain code-unit order), at most
 * 10,000 per page; Warrant follows `next` until it is null. Accounts are emails, compared in lower case.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { TaskAction } from "../db/generated/enums";
import { resolveSecretRef } from "./secrets";
import { ConnectorError, type Connector, type ConnectorCtx, type ConnectorResult, type ListAccessCtx, type Membership } from "./types";

export const SIGNATURE_HEADER = "x-warrant-signature";
export const TIMESTAMP_HEADER = "x-warrant-timestamp";
/** A signed message older (or newer) than this is refused: a captured call cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const TIMEOUT_MS = 10_000;

type WebhookConfig = { url: string; secretRef: string };

export function webhookConfig(raw: unknown): WebhookConfig {
  const c = (raw ?? {}) as Partial<WebhookConfig>;
  if (typeof c.url !== "string" || !c.url) throw new ConnectorError("The webhook connector has no url configured.");
  if (typeof c.secretRef !== "string" || !c.secretRef) throw new ConnectorError("The webhook connector has no secretRef configured.");
  return { url: c.url, secretRef: c.secretRef };
}

export function webhookSecret(raw: unknown): string {
  return resolveSecretRef(webhookConfig(raw).secretRef, "webhook connector");
}

/** `sha256=<hex>` over "<timestamp>.<raw body>". */
export function signPayload(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

/** Checks a signature and its timestamp (within the tolerance of `now`). Constant-time comparison. */
export function verifySignature(secret: string, rawBody: string, timestamp: string | null, signature: string | null, now: Date): { ok: true } | { ok: false; reason: string } {
  if (!timestamp || !signature) return { ok: false, reason: "missing signature or timestamp header" };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: "bad timestamp" };
  if (Math.abs(Math.floor(now.getTime() / 1000) - ts) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "timestamp outside the allowed window" };
  const expected = Buffer.from(signPayload(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "signature does not match" };
  return { ok: true };
}

async function call(ctx: ConnectorCtx, action: TaskAction | "READ"): Promise<{ status: number; json: Record<string, unknown> | null; text: string }> {
  const cfg = webhookConfig(ctx.system.connectorConfig);
  const secret = resolveSecretRef(cfg.secretRef, "webhook connector");
  const body = JSON.stringify({
    taskId: ctx.taskId,
    action,
    entitlement: { name: ctx.entitlement.name, externalRef: ctx.entitlement.externalRef },
    identity: { id: ctx.identity.id, displayName: ctx.identity.displayName, email: ctx.identity.email, kind: ctx.identity.kind },
  });
  // Signed with the wall clock: the receiver checks it against its own clock, not Warrant's business clock.
  const timestamp = String(Math.floor(Date.now() / 1000));
  let res: Response;
  try {
    res = await fetch(cfg.url, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Warrant-Timestamp": timestamp, "X-Warrant-Signature": signPayload(secret, timestamp, body) },
      body,
      redirect: "error",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new ConnectorError(`The webhook at ${new URL(cfg.url).origin} could not be reached: ${(e as Error).message}`);
  }
  const text = (await res.text()).slice(0, 10_000);
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

function asReadBack(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Whether a read-back agrees with the action: a boolean `hasAccess`, when given, must match. */
export function readBackAgrees(action: TaskAction, readBack: Record<string, unknown>): boolean {
  if (typeof readBack.hasAccess !== "boolean") return true;
  return readBack.hasAccess === (action === "GRANT");
}

async function perform(ctx: ConnectorCtx, action: TaskAction): Promise<ConnectorResult> {
  const cfg = webhookConfig(ctx.system.connectorConfig);
  const res = await call(ctx, action);
  if (res.status === 202 && res.json?.status === "accepted") return { awaitingConfirmation: true, detail: { acceptedAt: new Date().toISOString() } };
  if (res.status >= 200 && res.status < 300 && res.json?.status === "done") {
    const readBack = asReadBack(res.json.readBack);
    return { connector: "WEBHOOK", action, target: cfg.url, performedAt: new Date().toISOString(), readBack, confirmed: readBackAgrees(action, readBack) };
  }
  const detail = res.json && typeof res.json.error === "string" ? res.json.error : res.text.slice(0, 200);
  throw new ConnectorError(`The webhook answered HTTP ${res.status}${detail ? `: ${detail}` : ""} (expected 2xx with {"status":"done"} or 202 with {"status":"accepted"}).`);
}

/** The text a discovery GET signs in place of a body: "GET <path and query>". */
export function listSignedText(url: URL): string {
  return `GET ${url.pathname}${url.search}`;
}

export const LIST_MAX_PAGE = 10_000;
const LIST_MAX_PAGES = 100_000;

async function* listMemberships(ctx: ListAccessCtx): AsyncGenerator<Membership> {
  const cfg = webhookConfig(ctx.system.connectorConfig);
  const secret = resolveSecretRef(cfg.secretRef, "webhook connector");
  const managed = new Set(ctx.managedRefs);
  let cursor: string | null = null;
  for (let page = 0; page < LIST_MAX_PAGES; page++) {
    const url = new URL(cfg.url);
    url.searchParams.set("list", "access");
    if (cursor !== null) url.searchParams.set("cursor", cursor);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let res: Response;
    try {
      res = await fetch(url, {
        method: "GET",
        headers: { "X-Warrant-Timestamp": timestamp, "X-Warrant-Signature": signPayload(secret, timestamp, listSignedText(url)) },
        redirect: "error",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new ConnectorError(`The webhook at ${url.origin} could not be reached for the access list: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new ConnectorError(`The webhook answered HTTP ${res.status} to the access list (expected 200 with {"memberships": [...], "next": ...}).`);
    let body: { memberships?: unknown; next?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new ConnectorError("The webhook's access list is not JSON.");
    }
    if (!Array.isArray(body.memberships) || body.memberships.length > LIST_MAX_PAGE) throw new ConnectorError(`The webhook's access list needs "memberships": an array of at most ${LIST_MAX_PAGE}.`);
    for (const m of body.memberships as unknown[]) {
      const r = m as { account?: unknown; entitlement?: unknown };
      if (typeof r.account !== "string" || typeof r.entitlement !== "string" || !r.account || !r.entitlement) throw new ConnectorError('Each membership in the webhook\'s access list needs "account" and "entitlement" strings.');
      if (!managed.has(r.entitlement)) continue;
      yield { account: r.account.trim().toLowerCase(), externalRef: r.entitlement };
    }
    if (body.next === null || body.next === undefined) return;
    if (typeof body.next !== "string") throw new ConnectorError('The webhook\'s access list "next" must be a string or null.');
    cursor = body.next;
  }
  throw new ConnectorError(`The webhook's access list has more than ${LIST_MAX_PAGES} pages.`);
}

export const webhookConnector: Connector = {
  listAccess: listMemberships,
  grant: (ctx) => perform(ctx, "GRANT"),
  revoke: (ctx) => perform(ctx, "REVOKE"),
  async readAccess(ctx) {
    const res = await call(ctx, "READ");
    if (res.status < 200 || res.status >= 300 || res.json?.status !== "done") throw new ConnectorError(`The webhook answered HTTP ${res.status} to a read.`);
    const readBack = asReadBack(res.json.readBack);
    return { hasAccess: typeof readBack.hasAccess === "boolean" ? readBack.hasAccess : null, readBack };
  },
};
