/**
 * What is limited, per whom, and how much (RATE_LIMIT_* in server/env.ts). The defaults are far above what a
 * person clicking fast, or the whole browser test suite from one address, ever does; they are there to stop
 * one insider (or one script with a stolen cookie) from stalling the portal for everybody.
 */
import type { PrismaClient } from "../../db";
import { env } from "../../env";
import { consume, type Bucket, type LimitOutcome } from "./limiter";

/** A sign-in attempt (next-auth sign-in start or callback): per address, and per address + email when known. */
export function signInBuckets(address: string, email: string | null): Bucket[] {
  const e = env();
  const out: Bucket[] = [{ scope: "signin-address", subject: address, limit: e.RATE_LIMIT_SIGNIN_PER_ADDRESS }];
  if (email) out.push({ scope: "signin-account", subject: `${address}|${email.trim().toLowerCase()}`, limit: e.RATE_LIMIT_SIGNIN_PER_ACCOUNT });
  return out;
}

/** `calls` tRPC procedure calls in one HTTP request: per address always, per person when signed in. */
export function callBuckets(address: string, identityId: string | null, calls: number): Bucket[] {
  const e = env();
  const out: Bucket[] = [{ scope: "calls-address", subject: address, limit: e.RATE_LIMIT_CALLS_PER_ADDRESS, weight: calls }];
  if (identityId) out.push({ scope: "calls-person", subject: identityId, limit: e.RATE_LIMIT_CALLS_PER_PERSON, weight: calls });
  return out;
}

/** One download from a route handler by a signed-in person. */
export function downloadBuckets(identityId: string): Bucket[] {
  return [{ scope: "downloads-person", subject: identityId, limit: env().RATE_LIMIT_DOWNLOADS_PER_PERSON }];
}

/** One file upload (the HR import) by a signed-in person: a 64 MiB stream costs far more than a call. */
export function uploadBuckets(identityId: string): Bucket[] {
  return [{ scope: "uploads-person", subject: identityId, limit: env().RATE_LIMIT_UPLOADS_PER_PERSON }];
}

/** One request to /scim/v2 by an authenticated SCIM client (its identity). */
export function scimBuckets(clientId: string): Bucket[] {
  return [{ scope: "scim-client", subject: clientId, limit: env().RATE_LIMIT_SCIM_PER_CLIENT }];
}

/** One request to /api/v1 by an authenticated REST API client (its identity). */
export function apiBuckets(clientId: string): Bucket[] {
  return [{ scope: "api-client", subject: clientId, limit: env().RATE_LIMIT_API_PER_CLIENT }];
}

/** One request to /scim/v2 before its token is checked: per client address, like tRPC calls. */
export function scimAddressBuckets(address: string): Bucket[] {
  return [{ scope: "calls-address", subject: address, limit: env().RATE_LIMIT_CALLS_PER_ADDRESS }];
}

/** Counts an attempt against the buckets now (wall clock: the business clock never moves rate limits). */
export function checkRateLimit(db: PrismaClient, buckets: Bucket[], now: Date = new Date()): Promise<LimitOutcome> {
  return consume(db, buckets, now, env().RATE_LIMIT_WINDOW_SECONDS);
}

/** What a refused person reads: what was limited, and when to try again. */
export function describeRefusal(out: Extract<LimitOutcome, { ok: false }>): string {
  const what: Record<string, string> = {
    "signin-address": "Too many sign-in attempts from your network address",
    "signin-account": "Too many sign-in attempts for this account from your network address",
    "calls-address": "Too many requests from your network address",
    "calls-person": "Too many requests from your account",
    "downloads-person": "Too many downloads from your account",
    "uploads-person": "Too many file uploads from your account",
    "scim-client": "Too many SCIM requests from this client",
    "api-client": "Too many API requests from this client",
  };
  const secs = out.retryAfterSeconds;
  return `${what[out.scope] ?? "Too many requests"}. Try again in ${secs} ${secs === 1 ? "second" : "seconds"}.`;
}
