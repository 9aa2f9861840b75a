/**
 * Reading findings: ADMIN, SECURITY and AUDITOR see every finding, open and resolved, with a link to its
 * subject (the non-human identity whose owner left, the grant whose provisioning failed, the break-glass
 * request whose review is late, the system whose connector target changed). Anyone else: FORBIDDEN.
 */
import type { z } from "zod";
import type { Prisma } from "../../db/generated/client";
import { badInput, forbidden } from "../../errors";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { createdAtSeek, skipTake, type Page } from "../list";
import type { ZListFindingsInput } from "./schema";
import { resolveRefusal } from "./service";

export function maySeeFindings(actor: Actor): boolean {
  return hasRole(actor, "ADMIN", "SECURITY", "AUDITOR");
}

export type FindingRow = {
  id: string;
  kind: string;
  status: "OPEN" | "RESOLVED";
  subject: { type: string; id: string; label: string; href: string | null };
  details: Record<string, unknown>;
  assignee: { id: string; name: string } | null;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: { id: string; name: string } | null;
  resolutionNote: string | null;
  /** The viewer may resolve it (see resolveRefusal, and it is open): a hint, the service checks again. */
  canResolve: boolean;
};

const ORDER = (dir: "asc" | "desc"): Record<string, Prisma.FindingOrderByWithRelationInput[]> => ({
  // The tie-break runs with the creation time, so "after (createdAt, id)" is one comparison (keyset paging),
  // read from the ("createdAt", "id") index in either direction.
  createdAt: [{ createdAt: dir }, { id: dir }],
  kind: [{ kind: dir }, { createdAt: "desc" }],
  status: [{ status: dir }, { createdAt: "desc" }],
  resolvedAt: [{ resolvedAt: { sort: dir, nulls: "last" } }, { createdAt: "desc" }],
});

const str = (v: unknown) => (typeof v === "string" ? v : null);

/**
 * Findings, newest first by default; filter by kind and status; search by kind, subject or details.
 * In the default order (by creation, then id) the list can seek: `after` (a finding's createdAt and id, the
 * API's cursors) starts the page after that finding instead of skipping rows, and the answer carries
 * `nextAfter`, so a walk neither repeats nor skips a finding raised meanwhile. `after` in another order is
 * refused (BAD_INPUT naming `after`).
 */
export async function listFindings(ctx: ServiceCtx, input: z.output<typeof ZListFindingsInput>): Promise<Page<FindingRow>> {
  if (!maySeeFindings(ctx.actor)) throw forbidden("Only admins, security officers and auditors can see findings.");
  const seeks = (input.sort ?? "createdAt") === "createdAt";
  if (input.after && !seeks) throw badInput("after pages the default order (by creation) only; page by number in this order.", "after");
  let seek: Prisma.FindingWhereInput | null = null;
  if (input.after) seek = createdAtSeek(input.after, input.dir, "a finding");
  const where: Prisma.FindingWhereInput = {
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.status ? { status: input.status } : {}),
  };
  if (input.q) {
    // Findings keep their subject as (type, id): search names through the subjects they point at.
    const q = { contains: input.q, mode: "insensitive" as const };
    const [identities, grants, requests, systems] = await Promise.all([
      ctx.db.identity.findMany({ where: { displayName: q }, select: { id: true }, take: 500 }),
      ctx.db.grant.findMany({ where: { OR: [{ identity: { displayName: q } }, { entitlement: { name: q } }, { entitlement: { system: { name: q } } }] }, select: { id: true }, take: 500 }),
      ctx.db.accessRequest.findMany({ where: { OR: [{ beneficiary: { displayName: q } }, { entitlement: { name: q } }, { incidentRef: q }] }, select: { id: true }, take: 500 }),
      ctx.db.system.findMany({ where: { name: q }, select: { id: true }, take: 500 }),
    ]);
    where.OR = [
      { kind: q },
      { subjectType: "Identity", subjectId: { in: identities.map((x) => x.id) } },
      { subjectType: "Grant", subjectId: { in: grants.map((x) => x.id) } },
      { subjectType: "AccessRequest", subjectId: { in: requests.map((x) => x.id) } },
      { subjectType: "System", subjectId: { in: systems.map((x) => x.id) } },
    ];
  }
  // With `after` the page starts there; page numbers (the portal's table) skip rows. One more row than the
  // page says whether another page follows (nextAfter).
  const { skip, take } = input.after ? { skip: 0, take: input.size } : skipTake(input);
  const [total, found] = await Promise.all([
    ctx.db.finding.count({ where }),
    ctx.db.finding.findMany({ where: seek ? { AND: [where, seek] } : where, orderBy: [...ORDER(input.dir)[input.sort ?? "createdAt"]!, { id: "asc" }], skip, take: take + 1 }),
  ]);
  const rows = found.slice(0, take);
  const lastRow = rows[rows.length - 1];
  const nextAfter = seeks ? (found.length > take && lastRow ? { key: lastRow.createdAt.toISOString(), id: lastRow.id } : null) : undefined;

  const idsOf = (type: string) => rows.filter((r) => r.subjectType === type).map((r) => r.subjectId);
  const people = [...new Set(rows.flatMap((r) => [r.assigneeId, r.resolvedById]).filter((x): x is string => Boolean(x)))];
  const [identities, grants, requests, systems, persons] = await Promise.all([
    ctx.db.identity.findMany({ where: { id: { in: idsOf("Identity") } }, select: { id: true, displayName: true } }),
    ctx.db.grant.findMany({ where: { id: { in: idsOf("Grant") } }, select: { id: true, identityId: true, identity: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } } }),
    ctx.db.accessRequest.findMany({ where: { id: { in: idsOf("AccessRequest") } }, select: { id: true, incidentRef: true, beneficiary: { select: { displayName: true } }, entitlement: { select: { name: true, system: { select: { name: true } } } } } }),
    ctx.db.system.findMany({ where: { id: { in: idsOf("System") } }, select: { id: true, name: true } }),
    ctx.db.identity.findMany({ where: { id: { in: people } }, select: { id: true, displayName: true } }),
  ]);
  const identity = new Map(identities.map((x) => [x.id, x]));
  const grant = new Map(grants.map((x) => [x.id, x]));
  const request = new Map(requests.map((x) => [x.id, x]));
  const system = new Map(systems.map((x) => [x.id, x]));
  const person = new Map(persons.map((x) => [x.id, x.displayName]));
  const ref = (id: string | null) => (id ? { id, name: person.get(id) ?? "(unknown)" } : null);

  function subject(type: string, id: string): FindingRow["subject"] {
    if (type === "Identity") {
      const i = identity.get(id);
      return { type, id, label: i?.displayName ?? "(removed identity)", href: i ? `/identities/${id}` : null };
    }
    if (type === "Grant") {
      const g = grant.get(id);
      return g
        ? { type, id, label: `${g.entitlement.name} (${g.entitlement.system.name}) for ${g.identity.displayName}`, href: `/identities/${g.identityId}` }
        : { type, id, label: "(removed grant)", href: null };
    }
    if (type === "AccessRequest") {
      const r = request.get(id);
      return r
        ? { type, id, label: `${r.entitlement.name} (${r.entitlement.system.name}) for ${r.beneficiary.displayName}${r.incidentRef ? `, incident ${r.incidentRef}` : ""}`, href: `/requests/${id}` }
        : { type, id, label: "(removed request)", href: null };
    }
    if (type === "System") {
      const s = system.get(id);
      return s ? { type, id, label: s.name, href: `/catalog/systems/${id}` } : { type, id, label: "(removed system)", href: null };
    }
    return { type, id, label: `${type} ${id}`, href: null };
  }

  return {
    total,
    page: input.page,
    size: input.size,
    ...(nextAfter !== undefined ? { nextAfter } : {}),
    rows: rows.map((f) => {
      const details = (f.details ?? {}) as Record<string, unknown>;
      return {
        id: f.id,
        kind: f.kind,
        status: f.status,
        subject: subject(f.subjectType, f.subjectId),
        details,
        assignee: ref(f.assigneeId),
        createdAt: f.createdAt,
        resolvedAt: f.resolvedAt,
        resolvedBy: ref(f.resolvedById),
        resolutionNote: str(details.resolutionNote),
        canResolve: f.status === "OPEN" && resolveRefusal(ctx.actor, f) === null,
      };
    }),
  };
}
