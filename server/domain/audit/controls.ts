/**
 * Control checks for auditors. Each check states the population it ran over (how many, and how that
 * population was defined), lists its exceptions, and passes when there are none. The same output goes into
 * evidence packs (server/evidence/export.ts calls runControlChecks).
 *
 * Read-only. Routers expose it to ADMIN, SECURITY and AUDITOR only.
 */
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import type { ControlId } from "./schema";

export type ControlScopeOpts = {
  /** Start of the period (inclusive). A YYYY-MM-DD string means 00:00 UTC that day. */
  from?: Date | string;
  /** End of the period (inclusive). A YYYY-MM-DD string means the end of that UTC day. */
  to?: Date | string;
  /** Only these systems (by name). */
  systemNames?: string[];
  /** "Now" for checks about the current state (expiry). Defaults to the wall clock. */
  now?: Date;
};

/** One member of a check's population, with why it is an exception (or flagged) when it is. */
export type ControlRow = {
  id: string;
  subject: string;
  detail: string;
  /** A page in the portal showing this member. */
  href: string | null;
  reason: string | null;
};

export type ControlCheckResult = {
  id: ControlId;
  title: string;
  description: string;
  population: { count: number; definition: string };
  exceptions: ControlRow[];
  /** Not exceptions, but called out for the auditor (e.g. imported access of unverified origin). */
  flagged: ControlRow[];
  passed: boolean;
};

type Scope = { from: Date | null; to: Date | null; systemNames: string[] | null; now: Date };
type PopRow = ControlRow & { exception: boolean; flag: boolean };

function toScope(o: ControlScopeOpts): Scope {
  const parse = (v: Date | string | undefined, end: boolean) => {
    if (v === undefined) return null;
    if (v instanceof Date) return v;
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T${end ? "23:59:59.999" : "00:00:00.000"}Z`) : new Date(v);
  };
  return { from: parse(o.from, false), to: parse(o.to, true), systemNames: o.systemNames?.length ? o.systemNames : null, now: o.now ?? new Date() };
}

const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);
function periodText(s: Scope, what: string): string {
  if (!s.from && !s.to) return "";
  return ` ${what} ${s.from ? `from ${iso(s.from)}` : ""}${s.from && s.to ? " " : ""}${s.to ? `to ${iso(s.to)}` : ""} (UTC, inclusive)`;
}
const systemsText = (s: Scope) => (s.systemNames ? `, in ${s.systemNames.length === 1 ? "system" : "systems"} ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : "");
const grantSystemWhere = (s: Scope): Prisma.GrantWhereInput => (s.systemNames ? { entitlement: { system: { name: { in: s.systemNames } } } } : {});
const range = (s: Scope, field: string) => (s.from || s.to ? { [field]: { ...(s.from ? { gte: s.from } : {}), ...(s.to ? { lte: s.to } : {}) } } : {});

const grantInclude = { identity: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } } as const;
const grantLabel = (g: { identity: { displayName: string }; entitlement: { name: string; system: { name: string } } }) => `${g.identity.displayName} — ${g.entitlement.name} (${g.entitlement.system.name})`;

type CheckDef = {
  id: ControlId;
  title: string;
  description: string;
  definition(s: Scope): string;
  population(db: Tx, s: Scope): Promise<PopRow[]>;
};

const CHECKS: CheckDef[] = [
  {
    id: "approved-access",
    title: "Every active grant has an approval or is flagged as unverified origin",
    description:
      "Access from a request (or break-glass) must come from an approved request. Imported standing access has no request: it is not an exception, but it is flagged as origin unverified.",
    definition: (s) =>
      s.from || s.to
        ? `Grants in effect at some time${periodText(s, "in the period")} (startsAt ≤ end, not revoked before the start), excluding access never provisioned${systemsText(s)}.`
        : `Grants in effect now (status ACTIVE, PENDING_REVOKE or REVOKE_FAILED)${systemsText(s)}.`,
    async population(db, s) {
      const where: Prisma.GrantWhereInput =
        s.from || s.to
          ? {
              status: { notIn: ["PENDING_PROVISION", "PROVISION_FAILED"] },
              ...(s.to ? { startsAt: { lte: s.to } } : {}),
              ...(s.from ? { OR: [{ revokedAt: null }, { revokedAt: { gte: s.from } }] } : {}),
              ...grantSystemWhere(s),
            }
          : { status: { in: ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"] }, ...grantSystemWhere(s) };
      const rows = await db.grant.findMany({ where, orderBy: { id: "asc" }, include: { ...grantInclude, request: { select: { id: true, status: true } } } });
      return rows.map((g) => {
        const imported = g.origin === "IMPORTED";
        const approved = g.request?.status === "APPROVED";
        const reason = imported
          ? "Imported standing access: origin unverified (no request, no approval)."
          : !g.request
            ? `${g.origin === "BREAK_GLASS" ? "Break-glass" : "Request"} grant without a request.`
            : approved
              ? null
              : `The request behind it is ${g.request.status}, not APPROVED.`;
        return {
          id: g.id,
          subject: grantLabel(g),
          detail: `${g.origin} · ${g.status}${g.request ? ` · request ${g.request.id}` : ""}`,
          href: `/audit/grants/${g.id}`,
          reason,
          exception: !imported && !approved,
          flag: imported,
        };
      });
    },
  },
  {
    id: "revocations-executed",
    title: "Every revoke decision was executed and confirmed",
    description: "Each access-review decision to revoke, in a closed or remediating campaign, must end with the revocation confirmed and the grant revoked.",
    definition: (s) =>
      `Review items decided REVOKE in campaigns that are CLOSED or REMEDIATING${periodText(s, "closed")}${s.systemNames ? `, for grants in ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""}.`,
    async population(db, s) {
      const rows = await db.reviewItem.findMany({
        where: {
          decision: "REVOKE",
          campaign: { status: { in: ["CLOSED", "REMEDIATING"] }, ...range(s, "closedAt") },
          ...(s.systemNames ? { systemName: { in: s.systemNames } } : {}),
        },
        orderBy: { id: "asc" },
        select: { id: true, grantId: true, identityName: true, entitlementName: true, systemName: true, remediation: true, defaulted: true, campaign: { select: { name: true, status: true } }, grant: { select: { status: true } } },
      });
      return rows.map((i) => {
        const ok = i.remediation === "CONFIRMED" && i.grant.status === "REVOKED";
        const reason = ok
          ? null
          : i.remediation !== "CONFIRMED"
            ? `Remediation is ${i.remediation}${i.remediation === "PENDING" ? " (not confirmed yet)" : ""}; the grant is ${i.grant.status}.`
            : `Remediation was marked confirmed but the grant is ${i.grant.status}.`;
        return {
          id: i.id,
          subject: `${i.identityName} — ${i.entitlementName} (${i.systemName})`,
          detail: `Campaign "${i.campaign.name}" (${i.campaign.status})${i.defaulted ? " · revoked by default action" : ""} · remediation ${i.remediation} · grant ${i.grant.status}`,
          href: `/audit/grants/${i.grantId}`,
          reason,
          exception: !ok,
          flag: false,
        };
      });
    },
  },
  {
    id: "no-self-approval",
    title: "Nobody approved their own access",
    description:
      "No approval step was approved by the requester, the beneficiary or the beneficiary's owner. The database refuses such a decision (a CHECK constraint); this checks the stored steps independently.",
    definition: (s) => `Approval steps with status APPROVED${periodText(s, "decided")}${s.systemNames ? `, for entitlements in ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""}.`,
    async population(db, s) {
      const rows = await db.approvalStep.findMany({
        where: { status: "APPROVED", ...range(s, "decidedAt"), ...(s.systemNames ? { request: { entitlement: { system: { name: { in: s.systemNames } } } } } : {}) },
        orderBy: { id: "asc" },
        select: {
          id: true,
          kind: true,
          decidedById: true,
          requesterId: true,
          beneficiaryId: true,
          beneficiaryOwnerId: true,
          requestId: true,
          request: { select: { beneficiary: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } } },
        },
      });
      const deciders = [...new Set(rows.map((r) => r.decidedById).filter((x): x is string => Boolean(x)))];
      const names = new Map((deciders.length ? await db.identity.findMany({ where: { id: { in: deciders } }, select: { id: true, displayName: true } }) : []).map((p) => [p.id, p.displayName]));
      return rows.map((st) => {
        const role =
          st.decidedById === st.requesterId ? "the requester" : st.decidedById === st.beneficiaryId ? "the beneficiary" : st.decidedById && st.decidedById === st.beneficiaryOwnerId ? "the beneficiary's owner" : null;
        return {
          id: st.id,
          subject: `${st.request.beneficiary.displayName} — ${st.request.entitlement.name} (${st.request.entitlement.system.name})`,
          detail: `${st.kind} stage approved by ${st.decidedById ? (names.get(st.decidedById) ?? st.decidedById) : "nobody"} · request ${st.requestId}`,
          href: `/requests/${st.requestId}`,
          reason: role ? `Approved by ${role}.` : null,
          exception: role !== null,
          flag: false,
        };
      });
    },
  },
  {
    id: "nhi-owned",
    title: "Every non-human identity has an active owner",
    description: "Service accounts, API keys, OAuth apps, workloads and AI agents each need an accountable person who is still active.",
    definition: (s) =>
      `Non-human identities not deprovisioned, as of now${s.systemNames ? `, running in or holding access to ${s.systemNames.map((n) => `"${n}"`).join(", ")}` : ""} (the period does not apply: ownership is a current state).`,
    async population(db, s) {
      const rows = await db.identity.findMany({
        where: {
          kind: { not: "HUMAN" },
          status: { not: "DEPROVISIONED" },
          ...(s.systemNames ? { OR: [{ system: { name: { in: s.systemNames } } }, { grants: { some: { entitlement: { system: { name: { in: s.systemNames } } } } } }] } : {}),
        },
        orderBy: { id: "asc" },
        select: { id: true, kind: true, displayName: true, status: true, owner: { select: { id: true, displayName: true, status: true } } },
      });
      return rows.map((n) => {
        const reason = !n.owner ? "No owner." : n.owner.status !== "ACTIVE" ? `Owner ${n.owner.displayName} is ${n.owner.status.toLowerCase()}.` : null;
        return {
          id: n.id,
          subject: n.displayName,
          detail: `${n.kind} · ${n.status} · owner ${n.owner ? `${n.owner.displayName} (${n.owner.status})` : "none"}`,
          href: `/identities/${n.id}`,
          reason,
          exception: reason !== null,
          flag: false,
        };
      });
    },
  },
  {
    id: "no-expired-active",
    title: "No grant past its expiry is still active",
    description: "Access with an end date must be removed once that date passes. A revocation still in progress is flagged, not counted as an exception.",
    definition: (s) => {
      const until = s.to && s.to < s.now ? s.to : s.now;
      return `Grants whose expiry date is before ${until.toISOString()}${s.from ? ` and on or after ${s.from.toISOString()}` : ""}${systemsText(s)}; status as of now.`;
    },
    async population(db, s) {
      const until = s.to && s.to < s.now ? s.to : s.now;
      const rows = await db.grant.findMany({
        where: { expiresAt: { lt: until, ...(s.from ? { gte: s.from } : {}) }, ...grantSystemWhere(s) },
        orderBy: { id: "asc" },
        include: grantInclude,
      });
      return rows.map((g) => {
        const stillActive = g.status === "ACTIVE" || g.status === "REVOKE_FAILED";
        return {
          id: g.id,
          subject: grantLabel(g),
          detail: `expired ${g.expiresAt!.toISOString()} · ${g.status}`,
          href: `/audit/grants/${g.id}`,
          reason: stillActive ? `Still ${g.status === "ACTIVE" ? "active" : "in effect (revocation failed)"} after its expiry.` : g.status === "PENDING_REVOKE" ? "Revocation in progress." : null,
          exception: stillActive,
          flag: g.status === "PENDING_REVOKE",
        };
      });
    },
  },
];

export const CONTROL_CHECKS: readonly Pick<CheckDef, "id" | "title" | "description">[] = CHECKS.map(({ id, title, description }) => ({ id, title, description }));

const strip = ({ exception: _e, flag: _f, ...row }: PopRow): ControlRow => row;

/** Runs every control check over the scope. */
export async function runControlChecks(db: Tx, opts: ControlScopeOpts = {}): Promise<ControlCheckResult[]> {
  const s = toScope(opts);
  const out: ControlCheckResult[] = [];
  for (const c of CHECKS) out.push(await runOne(db, c, s));
  return out;
}

/** Runs one control check. */
export async function runControlCheck(db: Tx, id: ControlId, opts: ControlScopeOpts = {}): Promise<ControlCheckResult> {
  return runOne(db, checkDef(id), toScope(opts));
}

async function runOne(db: Tx, c: CheckDef, s: Scope): Promise<ControlCheckResult> {
  const pop = await c.population(db, s);
  const exceptions = pop.filter((r) => r.exception).map(strip);
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    population: { count: pop.length, definition: c.definition(s) },
    exceptions,
    flagged: pop.filter((r) => r.flag).map(strip),
    passed: exceptions.length === 0,
  };
}

function checkDef(id: ControlId): CheckDef {
  const c = CHECKS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown control check ${id}`);
  return c;
}

/** The full population of one check, sorted by id (what the sampling draws from). */
export async function controlPopulation(db: Tx, id: ControlId, opts: ControlScopeOpts = {}): Promise<{ check: Pick<CheckDef, "id" | "title">; definition: string; rows: ControlRow[] }> {
  const c = checkDef(id);
  const s = toScope(opts);
  const rows = (await c.population(db, s)).map(strip).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { check: { id: c.id, title: c.title }, definition: c.definition(s), rows };
}
