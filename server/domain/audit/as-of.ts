/**
 * Access as of a date: who held which entitlement in one system on one UTC day.
 *
 * A grant counts when it was in effect at some moment of that day:
 *   startsAt <= end of day  AND  (revokedAt is null OR revokedAt > start of day)
 * and it was ever active: imported access counts from its startsAt; access from a request counts only once
 * it was provisioned (its GRANT task is DONE), so a request that was approved but never provisioned, or
 * whose provisioning failed, is not access anyone held. Read-only (ADMIN, SECURITY, AUDITOR via the router).
 */
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { skipTake, type Page } from "../list";
import { notFound } from "../../errors";
import { csvLine } from "../../csv";
import type { TAccessAsOfInput } from "./schema";

export type AsOfRow = {
  grantId: string;
  holderId: string;
  holder: string;
  holderKind: string;
  holderEmail: string | null;
  holderStatus: string;
  entitlementId: string;
  entitlement: string;
  risk: string;
  privileged: boolean;
  origin: string;
  status: string;
  startsAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  revocationCause: string | null;
};

export function dayBounds(day: string): { start: Date; end: Date } {
  return { start: new Date(`${day}T00:00:00.000Z`), end: new Date(`${day}T23:59:59.999Z`) };
}

/** The Prisma filter for "held in this system on this day" (shared with the CSV export and the tests). */
export function heldOnDayWhere(systemId: string, day: string): Prisma.GrantWhereInput {
  const { start, end } = dayBounds(day);
  return {
    entitlement: { systemId },
    startsAt: { lte: end },
    OR: [{ revokedAt: null }, { revokedAt: { gt: start } }],
    AND: [
      {
        OR: [
          { origin: "IMPORTED", status: { notIn: ["PENDING_PROVISION", "PROVISION_FAILED"] } },
          { origin: { not: "IMPORTED" }, tasks: { some: { action: "GRANT", status: "DONE" } } },
        ],
      },
    ],
  };
}

export async function accessAsOf(db: Tx, input: TAccessAsOfInput & { page: number; size: number; dir: "asc" | "desc" }): Promise<Page<AsOfRow> & { system: { id: string; name: string } | null; date: string }> {
  const system = await db.system.findUnique({ where: { id: input.systemId }, select: { id: true, name: true } });
  if (!system) return { rows: [], total: 0, page: input.page, size: input.size, system: null, date: input.date };
  const q = input.q?.trim();
  const where: Prisma.GrantWhereInput = {
    ...heldOnDayWhere(system.id, input.date),
    ...(q
      ? {
          AND: [
            ...(heldOnDayWhere(system.id, input.date).AND as Prisma.GrantWhereInput[]),
            {
              OR: [
                { identity: { displayName: { contains: q, mode: "insensitive" } } },
                { identity: { email: { contains: q, mode: "insensitive" } } },
                { entitlement: { name: { contains: q, mode: "insensitive" } } },
              ],
            },
          ],
        }
      : {}),
  };
  const dir = input.dir;
  const orderBy: Prisma.GrantOrderByWithRelationInput[] =
    input.sort === "entitlement"
      ? [{ entitlement: { name: dir } }, { identity: { displayName: "asc" } }, { id: "asc" }]
      : input.sort === "startsAt"
        ? [{ startsAt: dir }, { id: "asc" }]
        : [{ identity: { displayName: dir } }, { entitlement: { name: "asc" } }, { id: "asc" }];
  const [total, rows] = await Promise.all([
    db.grant.count({ where }),
    db.grant.findMany({
      where,
      orderBy,
      ...skipTake(input),
      include: {
        identity: { select: { id: true, displayName: true, kind: true, email: true, status: true } },
        entitlement: { select: { id: true, name: true, risk: true, privileged: true } },
      },
    }),
  ]);
  return {
    system,
    date: input.date,
    total,
    page: input.page,
    size: input.size,
    rows: rows.map((g) => ({
      grantId: g.id,
      holderId: g.identity.id,
      holder: g.identity.displayName,
      holderKind: g.identity.kind,
      holderEmail: g.identity.email,
      holderStatus: g.identity.status,
      entitlementId: g.entitlement.id,
      entitlement: g.entitlement.name,
      risk: g.entitlement.risk,
      privileged: g.entitlement.privileged,
      origin: g.origin,
      status: g.status,
      startsAt: g.startsAt,
      expiresAt: g.expiresAt,
      revokedAt: g.revokedAt,
      revocationCause: g.revocationCause,
    })),
  };
}

/** Systems for the picker. */
export async function auditSystems(db: Tx) {
  return db.system.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
}

/** Every row (no paging) as CSV, for download: one header line, then holder, entitlement, dates, origin. */
export async function accessAsOfCsv(db: Tx, input: { systemId: string; date: string }): Promise<{ filename: string; csv: string; rows: number }> {
  const system = await db.system.findUnique({ where: { id: input.systemId }, select: { id: true, name: true } });
  if (!system) throw notFound("The system");
  const rows = await db.grant.findMany({
    where: heldOnDayWhere(system.id, input.date),
    orderBy: [{ identity: { displayName: "asc" } }, { entitlement: { name: "asc" } }, { id: "asc" }],
    include: { identity: { select: { id: true, displayName: true, kind: true, email: true } }, entitlement: { select: { name: true, risk: true, privileged: true } } },
  });
  const head = csvLine(["system", "date_utc", "holder_id", "holder", "holder_kind", "holder_email", "entitlement", "risk", "privileged", "grant_id", "origin", "status_now", "starts_at", "expires_at", "revoked_at", "revocation_cause"]);
  const body = rows
    .map((g) =>
      csvLine([system.name, input.date, g.identity.id, g.identity.displayName, g.identity.kind, g.identity.email, g.entitlement.name, g.entitlement.risk, g.entitlement.privileged, g.id, g.origin, g.status, g.startsAt, g.expiresAt, g.revokedAt, g.revocationCause]),
    )
    .join("");
  const slug = system.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return { filename: `access-${slug}-${input.date}.csv`, csv: `\uFEFF${head}${body}`, rows: rows.length };
}
