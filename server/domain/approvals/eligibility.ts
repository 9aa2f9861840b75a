/**
 * Who may decide an approval stage, and with what authority. Resolved from the data at the moment it is
 * asked (never from a cached session): MANAGER = the beneficiary's manager (for a non-human identity: its
 * owner's manager); OWNER = the entitlement's owner, else the system owner; SECURITY = every holder of the
 * SECURITY role. Always excluded: the requester, the beneficiary, the beneficiary's owner, the owner of a
 * machine requester (an agent's owner does not approve what their agent asked for), anyone who is not
 * an active person, and anyone who already approved another stage of the request (distinct approvers).
 *
 * Fallback (a stage with nobody eligible, or one pending past its escalation time): SECURITY role holders
 * for MANAGER / OWNER / NHI_OWNER stages, ADMIN holders for the SECURITY stage. A stage that went to the
 * fallback approvers has `escalatedAt` set, which is what lets a FALLBACK authority be used on it.
 */
import type { Tx } from "../../db";
import { uuidArray } from "../../db/sql-arrays";
import type { ApprovalKind, Role } from "../../db/generated/client";

export type PersonRef = { id: string; name: string };

export type Authority = {
  kind: "MANAGER_OF" | "OWNER_OF" | "SECURITY_ROLE" | "FALLBACK";
  subject: PersonRef;
  via?: { delegatedBy: PersonRef; window: { from: string; to: string }; delegationId: string };
};

/** What eligibility needs to know about a request (loaded fresh inside the deciding transaction). */
export type RequestParties = {
  id: string;
  requesterId: string;
  beneficiaryId: string;
  beneficiaryOwnerId: string | null;
  /** Who asked (for the approvers' notification when they asked for someone else); ownerId for a machine requester. */
  requester?: { displayName: string; ownerId?: string | null };
  /** A machine requester's accountable owner (excluded from deciding, like the requester). */
  requesterOwnerId?: string | null;
  beneficiary: { id: string; displayName: string; kind: string; managerId: string | null; owner: { id: string; displayName: string; managerId: string | null } | null };
  entitlement: { id: string; name: string; ownerId: string | null; system: { id: string; name: string; ownerId: string } };
  /** The ticket the request was made from (a ticketing system's reference), if any. */
  ticketRef?: string | null;
};

/**
 * The request's ticket reference for the payload of each of its request.* events, so a ticketing system that
 * follows the stream (or a webhook) finds its ticket in every status change without a lookup.
 */
export function ticketOf(r: { ticketRef?: string | null }): { ticketRef?: string } {
  return r.ticketRef ? { ticketRef: r.ticketRef } : {};
}

export const requestPartiesSelect = {
  id: true,
  requesterId: true,
  beneficiaryId: true,
  ticketRef: true,
  requester: { select: { displayName: true, ownerId: true } },
  beneficiary: { select: { id: true, displayName: true, kind: true, managerId: true, owner: { select: { id: true, displayName: true, managerId: true } } } },
  entitlement: { select: { id: true, name: true, ownerId: true, system: { select: { id: true, name: true, ownerId: true } } } },
} as const;

type LoadedParties = Omit<RequestParties, "beneficiaryOwnerId">;

export function toParties(r: LoadedParties): RequestParties {
  return { ...r, beneficiaryOwnerId: r.beneficiary.owner?.id ?? null, requesterOwnerId: r.requester?.ownerId ?? null };
}

/** The people who can never decide this request. */
export function conflictedIds(r: RequestParties): string[] {
  return [r.requesterId, r.beneficiaryId, ...(r.beneficiaryOwnerId ? [r.beneficiaryOwnerId] : []), ...(r.requesterOwnerId ? [r.requesterOwnerId] : [])];
}

/** The FORBIDDEN message for a conflicted actor, or null. */
export function conflictReason(r: RequestParties, actorId: string): string | null {
  if (actorId === r.beneficiaryId) return "You cannot decide a request for your own access.";
  if (actorId === r.requesterId) return "You cannot decide a request you submitted yourself.";
  if (actorId === r.beneficiaryOwnerId) return "You cannot decide a request for a non-human identity you own.";
  if (r.requesterOwnerId && actorId === r.requesterOwnerId) return "You cannot decide a request your own API client or agent submitted.";
  return null;
}

/** The person whose manager decides a MANAGER stage: the beneficiary, or for a non-human identity its owner. */
function managed(r: RequestParties): { id: string; displayName: string; managerId: string | null } | null {
  if (r.beneficiary.kind === "HUMAN") return r.beneficiary;
  return r.beneficiary.owner;
}

async function activeHumans(tx: Tx, ids: string[]): Promise<PersonRef[]> {
  if (!ids.length) return [];
  const rows = await tx.identity.findMany({ where: { id: { in: ids }, kind: "HUMAN", status: "ACTIVE" }, select: { id: true, displayName: true }, orderBy: { displayName: "asc" } });
  return rows.map((p) => ({ id: p.id, name: p.displayName }));
}

async function roleHolders(tx: Tx, role: Role): Promise<string[]> {
  const rows = await tx.roleAssignment.findMany({ where: { role }, select: { identityId: true } });
  return rows.map((r) => r.identityId);
}

/** The relationship-holders of a stage right now, before exclusions, and what their authority is over. */
async function directCandidates(tx: Tx, kind: ApprovalKind, r: RequestParties): Promise<{ ids: string[]; authority: Omit<Authority, "via"> | null }> {
  switch (kind) {
    case "MANAGER": {
      const m = managed(r);
      return { ids: m?.managerId ? [m.managerId] : [], authority: m ? { kind: "MANAGER_OF", subject: { id: m.id, name: m.displayName } } : null };
    }
    case "OWNER": {
      const ownerId = r.entitlement.ownerId ?? r.entitlement.system.ownerId;
      return { ids: [ownerId], authority: { kind: "OWNER_OF", subject: { id: r.entitlement.id, name: `${r.entitlement.name} (${r.entitlement.system.name})` } } };
    }
    case "SECURITY":
      return { ids: await roleHolders(tx, "SECURITY"), authority: { kind: "SECURITY_ROLE", subject: { id: "SECURITY", name: "Security role" } } };
    case "NHI_OWNER":
      // The NHI's owner is a conflicted party (the database refuses their decision); such a stage always
      // goes to the fallback approvers.
      return { ids: [], authority: null };
  }
}

export function fallbackRole(kind: ApprovalKind): Role {
  return kind === "SECURITY" ? "ADMIN" : "SECURITY";
}

function fallbackAuthority(kind: ApprovalKind): Omit<Authority, "via"> {
  const role = fallbackRole(kind);
  return { kind: "FALLBACK", subject: { id: role, name: `${role === "ADMIN" ? "Admin" : "Security"} role (fallback for the ${kind.toLowerCase().replace("_", " ")} stage)` } };
}

/** People eligible to decide a stage of this kind now, directly (not via delegation). */
export async function directApprovers(tx: Tx, kind: ApprovalKind, r: RequestParties, exclude: string[] = []): Promise<PersonRef[]> {
  const { ids } = await directCandidates(tx, kind, r);
  const banned = new Set([...conflictedIds(r), ...exclude]);
  return activeHumans(tx, ids.filter((id) => !banned.has(id)));
}

/** The fallback approvers of a stage: SECURITY holders for manager/owner stages, ADMIN holders for security. */
export async function fallbackApprovers(tx: Tx, kind: ApprovalKind, r: RequestParties, exclude: string[] = []): Promise<PersonRef[]> {
  const banned = new Set([...conflictedIds(r), ...exclude]);
  return activeHumans(tx, (await roleHolders(tx, fallbackRole(kind))).filter((id) => !banned.has(id)));
}

/** Ids of the people (deciders and the delegators they acted for) behind the approvals already given. */
export function priorApproverIds(steps: { status: string; decidedById: string | null; authority: unknown }[]): Set<string> {
  const out = new Set<string>();
  for (const s of steps) {
    if (s.status !== "APPROVED" || !s.decidedById) continue;
    out.add(s.decidedById);
    const via = (s.authority as Authority | null)?.via;
    if (via) out.add(via.delegatedBy.id);
  }
  return out;
}

type StepForAuthority = { kind: ApprovalKind; eligibleIds: string[]; escalatedAt: Date | null };

/** The authority `personId` holds over this stage right now, by their own relationship (no delegation). */
async function ownAuthority(tx: Tx, personId: string, step: StepForAuthority, r: RequestParties): Promise<Omit<Authority, "via"> | null> {
  if (!step.eligibleIds.includes(personId)) return null;
  const person = await tx.identity.findUnique({ where: { id: personId }, select: { kind: true, status: true, roles: { select: { role: true } } } });
  if (!person || person.kind !== "HUMAN" || person.status !== "ACTIVE") return null;
  if (conflictedIds(r).includes(personId)) return null;
  const direct = await directCandidates(tx, step.kind, r);
  if (direct.authority && direct.ids.includes(personId)) return direct.authority;
  if (step.escalatedAt && person.roles.some((x) => x.role === fallbackRole(step.kind))) return fallbackAuthority(step.kind);
  return null;
}

export type AuthorityResult = { authority: Authority } | { authority: null; reason: "NOT_ELIGIBLE" | "ALREADY_APPROVED" };

/**
 * Why `actorId` may decide this stage now: directly (listed as eligible and still holding the relationship
 * or the fallback role), or as an active delegate of someone who may. Never someone who already approved
 * another stage of the request, nor a delegate acting for such a person.
 */
export async function resolveAuthority(
  tx: Tx,
  actorId: string,
  step: StepForAuthority,
  r: RequestParties,
  prior: Set<string>,
  now: Date,
): Promise<AuthorityResult> {
  if (prior.has(actorId)) return { authority: null, reason: "ALREADY_APPROVED" };
  const own = await ownAuthority(tx, actorId, step, r);
  if (own) return { authority: own };
  const delegations = await tx.delegation.findMany({
    where: { toId: actorId, revokedAt: null, startsAt: { lte: now }, endsAt: { gt: now }, fromId: { in: step.eligibleIds } },
    include: { from: { select: { id: true, displayName: true } } },
    orderBy: { createdAt: "asc" },
  });
  let blockedByPrior = false;
  for (const d of delegations) {
    if (prior.has(d.fromId)) {
      blockedByPrior = true;
      continue;
    }
    const a = await ownAuthority(tx, d.fromId, step, r);
    if (a) {
      return {
        authority: {
          ...a,
          via: { delegatedBy: { id: d.from.id, name: d.from.displayName }, window: { from: d.startsAt.toISOString(), to: d.endsAt.toISOString() }, delegationId: d.id },
        },
      };
    }
  }
  return { authority: null, reason: blockedByPrior ? "ALREADY_APPROVED" : "NOT_ELIGIBLE" };
}

/** Active delegates (now) of each of these people, excluding conflicted parties: who else can act for them. */
export async function activeDelegatesOf(tx: Tx, fromIds: string[], now: Date, exclude: string[] = []): Promise<Map<string, (PersonRef & { until: Date; delegationId: string })[]>> {
  const out = new Map<string, (PersonRef & { until: Date; delegationId: string })[]>();
  if (!fromIds.length) return out;
  // One statement (Prisma's include would be a second one, for the delegates' names).
  const rows = await tx.$queryRaw<{ id: string; fromId: string; toId: string; endsAt: Date; name: string }[]>`
    SELECT d."id", d."fromId", d."toId", d."endsAt", t."displayName" AS "name"
      FROM "Delegation" d JOIN "Identity" t ON t."id" = d."toId"
     WHERE d."fromId" = ANY(${uuidArray(fromIds)}) AND d."revokedAt" IS NULL AND d."startsAt" <= ${now} AND d."endsAt" > ${now}
       AND t."status" = 'ACTIVE' AND t."kind" = 'HUMAN'
     ORDER BY d."createdAt", d."id"`;
  for (const d of rows) {
    if (exclude.includes(d.toId)) continue;
    const list = out.get(d.fromId) ?? [];
    list.push({ id: d.toId, name: d.name, until: d.endsAt, delegationId: d.id });
    out.set(d.fromId, list);
  }
  return out;
}
