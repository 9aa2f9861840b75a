/**
 * Serialising rules that read other rows before they write ("no separation-of-duties pair", "one open
 * request per identity and entitlement", "emergency access at most 4 hours in total", "a leaver gets no new
 * access", "at most N exports running per person"). PostgreSQL runs transactions side by side at READ
 * COMMITTED, so two transactions can both read "nothing there yet" and both write: a check in code is not
 * enough. Each such rule takes a transaction-scoped advisory lock keyed by what the rule is about, BEFORE
 * its first read; the lock is released at commit or rollback. At READ COMMITTED every statement after the
 * lock sees what the previous holder committed, so the second transaction's check sees the first one's
 * write.
 *
 * Why advisory locks and not `SELECT … FOR UPDATE` on the identity row: every insert that references an
 * identity (a notification, a request, a grant) takes a KEY SHARE lock on that row for its foreign key, so
 * a FOR UPDATE on a busy person's row would queue unrelated writers and invite deadlocks with the ledger
 * head. An advisory lock touches no row.
 *
 * Lock order, to keep deadlocks out: every transaction takes these locks before it appends to the ledger
 * (recordEvent locks the ledger head row), and several keys in one call are taken in sorted order.
 * PGlite runs one transaction at a time, so these locks never wait there; they matter on PostgreSQL, and
 * the race suite (server/testing/races.pg.int.test.ts) proves them there.
 */
import type { Tx } from "../db";

/** What a lock is about. One namespace per kind of rule owner, so keys of different kinds never collide. */
export type LockKey = `identity:${string}` | `exports:${string}` | `witness:${string}` | `reconcile:${string}`;

/** Takes the advisory transaction locks for `keys` (deduplicated, in sorted order). Waits for holders. */
export async function lockKeys(tx: Tx, keys: LockKey[]): Promise<void> {
  for (const key of [...new Set(keys)].sort()) {
    // hashtextextended gives a 64-bit key: two different ids colliding is out of practical reach.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  }
}

/**
 * Serialises everything that decides about one identity's access or standing: submitting, editing and
 * approving requests for it (SoD, one open request, emergency bound), delegations to or from it, and
 * deprovisioning it.
 */
export function lockIdentities(tx: Tx, ids: (string | null | undefined)[]): Promise<void> {
  return lockKeys(
    tx,
    ids.filter((id): id is string => Boolean(id)).map((id) => `identity:${id}` as const),
  );
}

/**
 * Locks the beneficiary of a request (and `alsoIds`, e.g. the approver: a leaver being processed must not
 * decide), for decisions about an existing request. The caller reads the request again after this returns:
 * what was read before the lock may be stale.
 */
export async function lockRequestBeneficiary(tx: Tx, requestId: string, alsoIds: string[] = []): Promise<void> {
  const r = await tx.accessRequest.findUnique({ where: { id: requestId }, select: { beneficiaryId: true } });
  await lockIdentities(tx, [r?.beneficiaryId, ...alsoIds]);
}
