/**
 * Races on PostgreSQL: several Prisma clients (as several portal instances would have, each with its own
 * connection pool) firing the same calls at once, and a tally of what came back. The embedded database
 * runs one transaction at a time and hides every race, so these tests only mean something on PostgreSQL.
 */
import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import { openDb, type DbHandle, type PrismaClient } from "../db";
import { verifyChain } from "../ledger/ledger";
import { callerAs } from "./factories";

/** `n` more clients on the test database (the test's own client is the first "instance"). */
export function moreInstances(url: string, n: number): DbHandle[] {
  return Array.from({ length: n }, () => openDb({ url }));
}

export type Tally = {
  ok: number;
  /** Refusals by tRPC code (CONFLICT, FORBIDDEN, BAD_REQUEST, ...). */
  refused: Record<string, number>;
  /** Anything that is not a clean refusal: a 500, a deadlock, a timeout. Must stay empty. */
  unexpected: string[];
  results: unknown[];
};

/**
 * Starts `n` calls at once (each gets its index and a caller factory bound to one of the instances, round
 * robin) and waits for all of them. Every call is expected either to succeed or to be refused with a
 * domain code; an INTERNAL_SERVER_ERROR or a non-tRPC error is reported in `unexpected`.
 */
export async function race(
  instances: PrismaClient[],
  n: number,
  call: (i: number, as: (identityId: string) => ReturnType<typeof callerAs>) => Promise<unknown>,
  now?: () => Date,
): Promise<Tally> {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => {
      const db = instances[i % instances.length]!;
      return call(i, (identityId) => callerAs(db, identityId, now));
    }),
  );
  const tally: Tally = { ok: 0, refused: {}, unexpected: [], results: [] };
  for (const s of settled) {
    if (s.status === "fulfilled") {
      tally.ok++;
      tally.results.push(s.value);
    } else if (s.reason instanceof TRPCError && s.reason.code !== "INTERNAL_SERVER_ERROR") {
      tally.refused[s.reason.code] = (tally.refused[s.reason.code] ?? 0) + 1;
    } else {
      const e = s.reason as Error;
      tally.unexpected.push(`${e?.name}: ${e?.message}${e?.cause instanceof Error ? ` (cause: ${e.cause.message})` : ""}`);
    }
  }
  return tally;
}

/** Every call came back clean (succeeded or refused with a domain code), and the ledger chain verifies. */
export async function expectCleanRace(db: PrismaClient, t: Tally) {
  expect(t.unexpected, "calls that failed instead of being refused").toEqual([]);
  const chain = await verifyChain(db);
  expect(chain.firstBroken).toBeNull();
}

/**
 * The calls that did not succeed were refused only with these codes (TOO_MANY_REQUESTS, "busy, try again",
 * is always acceptable: under contention a call may give up waiting, and nothing changed).
 */
export function expectRefusedOnlyWith(t: Tally, codes: string[]) {
  const allowed = new Set([...codes, "TOO_MANY_REQUESTS"]);
  for (const code of Object.keys(t.refused)) expect(allowed, `refused with ${code}`).toContain(code);
}
