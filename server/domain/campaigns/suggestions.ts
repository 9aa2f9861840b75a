/**
 * Suggested review decisions: for an undecided item, at most one suggestion (REVOKE or KEEP) with the plain
 * reasons behind it, computed from facts the database has now. The reviewer may accept suggestions in bulk
 * (bulkDecide with `asSuggested`), which recomputes them in the deciding transaction and refuses, item by
 * item, any the server no longer agrees with.
 *
 * The rule:
 * - Against keeping: the holder is not active (suspended or deprovisioned, a leaver); a non-human identity's
 *   accountable owner is not active; origin unverified (imported standing access, or no approved request
 *   behind the grant); peers do not hold it (fewer than 20 % of the other active people of the holder's
 *   department hold this entitlement, in a department of at least MIN_PEER_GROUP others).
 * - REVOKE when the holder or the owner is not active (whatever else), or when something speaks against it
 *   and peers do not mostly hold it.
 * - KEEP only when nothing speaks against it, the access is not privileged (privileged access keeps needing a
 *   person's own reason) and peers mostly hold it (at least half of the others in the department).
 * - Otherwise no suggestion (mixed or too few facts).
 *
 * - Against keeping too: the holder moved department since the grant was made. The department at grant time is
 *   the one the policy saw when the person asked for it themselves (AccessRequest.policyDecision.input.requester);
 *   for access asked by someone else or imported, it is not known and this reason says nothing.
 *
 * A fact the schema does not have and the rule therefore does not use: when a grant was last used (nothing
 * records use yet; reconciliation with the target systems, issue 11, is where it would come from).
 */
import { Prisma } from "../../db/generated/client";
import type { Tx } from "../../db";
import { uuidArray } from "../../db/sql-arrays";
import { GRANT_IN_EFFECT } from "../grants/status";

export const PEERS_RARE_BELOW = 0.2;
export const PEERS_MOSTLY_FROM = 0.5;
/** Fewer others than this in the department: too few to compare, peers say nothing. */
export const MIN_PEER_GROUP = 3;

export type SuggestionFacts = {
  privileged: boolean;
  originUnverified: boolean;
  /** The holder's status now. */
  holderStatus: string;
  /** A non-human identity's owner's status now (null for a person, or no owner). */
  ownerStatus: string | null;
  /** Other active people of the holder's department (a non-human identity's: its owner's) holding it now. */
  peersHolding: number;
  departmentSize: number;
  /** The holder's department when they asked for this access themselves (null: not known). */
  departmentAtGrant?: string | null;
  /** The holder's department now. */
  departmentNow?: string | null;
};

export type SuggestionReason = "holder-inactive" | "owner-inactive" | "holder-moved" | "origin-unverified" | "peers-rare" | "peers-common";

export type Suggestion = {
  decision: "KEEP" | "REVOKE";
  reasons: SuggestionReason[];
  /** "revoke — origin unverified; 2 of 14 peers hold it": for the badge and the decision's comment. */
  text: string;
};

const status = (s: string) => s.toLowerCase();

export function suggest(f: SuggestionFacts): Suggestion | null {
  const peersKnown = f.departmentSize >= MIN_PEER_GROUP;
  const share = peersKnown ? f.peersHolding / f.departmentSize : null;
  const peerText = `${f.peersHolding} of ${f.departmentSize} peers hold it`;
  const against: [SuggestionReason, string][] = [];
  if (f.holderStatus !== "ACTIVE") against.push(["holder-inactive", `holder is ${status(f.holderStatus)}`]);
  if (f.ownerStatus !== null && f.ownerStatus !== "ACTIVE") against.push(["owner-inactive", `owner is ${status(f.ownerStatus)}`]);
  const norm = (d: string | null | undefined) => d?.trim().toLowerCase() ?? "";
  if (f.departmentAtGrant && norm(f.departmentAtGrant) !== norm(f.departmentNow)) {
    against.push(["holder-moved", `holder moved from ${f.departmentAtGrant.trim()} to ${f.departmentNow?.trim() || "no department"}`]);
  }
  if (f.originUnverified) against.push(["origin-unverified", "origin unverified"]);
  if (share !== null && share < PEERS_RARE_BELOW) against.push(["peers-rare", peerText]);
  const mostly = share !== null && share >= PEERS_MOSTLY_FROM;
  const inactive = against.some(([r]) => r === "holder-inactive" || r === "owner-inactive");

  if (inactive || (against.length > 0 && !mostly)) {
    const reasons = against.map(([r]) => r);
    const words = against.map(([, w]) => w);
    // The peer count is worth saying even when it is not itself a reason (e.g. "origin unverified; 5 of 14 peers hold it").
    if (peersKnown && !reasons.includes("peers-rare")) words.push(peerText);
    return { decision: "REVOKE", reasons, text: `revoke — ${words.join("; ")}` };
  }
  if (against.length === 0 && mostly && !f.privileged) return { decision: "KEEP", reasons: ["peers-common"], text: `keep — ${peerText}` };
  return null;
}

export type ItemFacts = SuggestionFacts & { id: string };

const IN_EFFECT_SQL = Prisma.raw(GRANT_IN_EFFECT.map((s) => `'${s}'`).join(", "));

/**
 * The suggestion facts of many review items at once (a page, or the items of a bulk call): one query, each
 * department's active people counted once, not once per item. The holder themselves is not their own peer.
 */
export async function loadSuggestionFacts(db: Tx, itemIds: string[]): Promise<Map<string, ItemFacts>> {
  const out = new Map<string, ItemFacts>();
  if (itemIds.length === 0) return out;
  const rows = await db.$queryRaw<ItemFacts[]>`
    WITH x AS (
      SELECT r."id", r."entitlementId", r."identityId", r."privileged", (r."origin" = 'IMPORTED' OR g."requestId" IS NULL) AS "originUnverified",
        h."status"::text AS "holderStatus", ho."status"::text AS "ownerStatus",
        COALESCE(h."department", ho."department") AS "dept",
        (h."kind" = 'HUMAN' AND h."status" = 'ACTIVE') AS "selfCounted", h."department" AS "ownDept",
        CASE WHEN h."kind" = 'HUMAN' AND rq."requesterId" = r."identityId" AND rq."beneficiaryId" = r."identityId"
          THEN NULLIF(btrim(rq."policyDecision"->'input'->'requester'->>'department'), '') END AS "departmentAtGrant"
      FROM "ReviewItem" r JOIN "Grant" g ON g."id" = r."grantId" JOIN "Identity" h ON h."id" = r."identityId" LEFT JOIN "Identity" ho ON ho."id" = h."ownerId"
        LEFT JOIN "AccessRequest" rq ON rq."id" = g."requestId"
      WHERE r."id" = ANY(${uuidArray(itemIds)})
    ), sizes AS (
      SELECT p."department" AS "dept", count(*)::int AS "n" FROM "Identity" p
      WHERE p."department" IN (SELECT "dept" FROM x) AND p."kind" = 'HUMAN' AND p."status" = 'ACTIVE'
      GROUP BY p."department"
    ), holding AS (
      SELECT x."id", count(DISTINCT g2."identityId")::int AS "n"
      FROM x JOIN "Grant" g2 ON g2."entitlementId" = x."entitlementId" AND g2."status" IN (${IN_EFFECT_SQL})
      JOIN "Identity" p ON p."id" = g2."identityId" AND p."department" = x."dept" AND p."kind" = 'HUMAN' AND p."status" = 'ACTIVE' AND p."id" <> x."identityId"
      GROUP BY x."id"
    )
    SELECT x."id", x."privileged", x."originUnverified", x."holderStatus", x."ownerStatus", x."departmentAtGrant", x."ownDept" AS "departmentNow",
      COALESCE(hd."n", 0)::int AS "peersHolding",
      (COALESCE(sz."n", 0) - CASE WHEN x."selfCounted" AND x."ownDept" = x."dept" THEN 1 ELSE 0 END)::int AS "departmentSize"
    FROM x LEFT JOIN sizes sz ON sz."dept" = x."dept" LEFT JOIN holding hd ON hd."id" = x."id"`;
  for (const r of rows) out.set(r.id, r);
  return out;
}

/** The suggestions of many items (undecided or not: the caller decides whether to show them). */
export async function suggestionsFor(db: Tx, itemIds: string[]): Promise<Map<string, { facts: ItemFacts; suggestion: Suggestion | null }>> {
  const facts = await loadSuggestionFacts(db, itemIds);
  return new Map([...facts].map(([id, f]) => [id, { facts: f, suggestion: suggest(f) }]));
}
