/**
 * Reconciliation: what a system's target shows (its connector's `listAccess`) compared with what Warrant
 * granted there, recorded as findings (server/domain/findings), one per (system, kind, account, entitlement):
 *   UNMANAGED_ACCESS  in the target, no grant in Warrant (not revoked) for that identity and entitlement
 *   MISSING_ACCESS    an ACTIVE grant in Warrant (nothing in flight for it), absent in the target
 *   ORPHAN_ACCOUNT    in the target, and the account maps to no identity, or to a deprovisioned one
 * Grants in flight (PENDING_PROVISION, PENDING_REVOKE, PROVISION_FAILED, REVOKE_FAILED) raise nothing: the
 * outbox and its own findings deal with them.
 *
 * Streamed: the target's memberships arrive in (account, entitlement) order and are merge-joined with
 * Warrant's grants read in keyset pages in the same order ("C" collation); findings are written in
 * batches. Memory stays flat whatever the size of the target.
 *
 * A run is serialised per system: it starts under the advisory lock `reconcile:<systemId>` and holds a
 * RUNNING row (a partial unique index allows one per system; a lease lets a crashed run be taken over).
 * A finding seen again is kept (details.lastSeenRunId); one not seen by a completed run is resolved
 * (outcome GONE) and its dedupe key freed, so the drift can be found again later as a new finding. An
 * accepted finding keeps its key until its acceptance ends; a run that still sees it then reopens it.
 * The run ends with "reconciliation.completed" (counts per kind, the SHA-256 of the target's sorted
 * memberships) or "reconciliation.failed".
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import { connectorFor } from "../../connectors";
import { AccessExportInvalid, parseAccessExport } from "../../connectors/access-export";
import { identityIdRangeOf } from "../../connectors/postgres";
import { ConnectorError, type Membership } from "../../connectors/types";
import type { PrismaClient, Tx } from "../../db";
import type { ConnectorKind } from "../../db/generated/enums";
import { Prisma } from "../../db/generated/client";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { hasRole, type Actor, type ServiceCtx } from "../actor";
import { lockIdentities, lockKeys } from "../locks";
import { startRevocationOrConflict } from "../provisioning/grant-lifecycle";
import {
  RECON_ACTIONS,
  RECON_KINDS,
  type ReconKind,
  type ReconOutcome,
  type ZAcceptFindingInput,
  type ZAdoptFindingInput,
  type ZReconcileNowInput,
  type ZReprovisionFindingInput,
  type ZRevokeFindingInput,
} from "./schema";

export const RECON_BATCH = 1000;
const WARRANT_PAGE = 2000;
export const RUN_LEASE_MS = 15 * 60_000;
const RUN_TX = { maxWait: 30_000, timeout: 120_000 };
const IN_FLIGHT = new Set(["PENDING_PROVISION", "PENDING_REVOKE", "PROVISION_FAILED", "REVOKE_FAILED"]);

export type RunCounts = Record<ReconKind, number> & { accepted: number; opened: number; reopened: number; resolved: number; adopted: number };
export type RunResult = { runId: string; memberships: number; snapshotSha256: string; counts: RunCounts; onboarding: boolean };
/** Onboarding adopts open unmanaged access in transactions of this many findings. */
export const ONBOARD_BATCH = 200;
/** How long access adopted by onboarding lasts (days) unless a review decides it first. */
export const ONBOARDING_ADOPT_DAYS = 90;

// ---------------------------------------------------------------------------------------------------
// Who may do what.

type SystemRow = { id: string; name: string; ownerId: string; connector: ConnectorKind; connectorConfig: unknown };

/** Run a reconciliation on demand: the system's owner or an admin. */
export function mayReconcile(actor: Actor, system: { ownerId: string }): boolean {
  return hasRole(actor, "ADMIN") || actor.id === system.ownerId;
}

/** Act on a reconciliation finding: the system's owner, an admin or a security officer. */
export function mayActOnFindings(actor: Actor, system: { ownerId: string }): boolean {
  return hasRole(actor, "ADMIN", "SECURITY") || actor.id === system.ownerId;
}

/** See a system's reconciliation: those who may act, and auditors. */
export function maySeeReconciliation(actor: Actor, system: { ownerId: string }): boolean {
  return mayActOnFindings(actor, system) || hasRole(actor, "AUDITOR");
}

// ---------------------------------------------------------------------------------------------------
// Keys and order.

/** The order both sides are merged in: UTF-16 code units (PostgreSQL "C" collation for ASCII names). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpKey(a: { account: string; ref: string }, b: { account: string; ref: string }): number {
  return cmp(a.account, b.account) || cmp(a.ref, b.ref);
}

/** The dedupe key of a reconciliation finding: the same drift in the same system is one finding. */
export function reconDedupeKey(systemId: string, kind: ReconKind, account: string, ref: string): string {
  const pair = createHash("sha256").update(`${account}\t${ref}`).digest("hex").slice(0, 32);
  return `recon:${systemId}:${kind}:${pair}`;
}

/** How Warrant names an identity's account in this kind of system: the PostgreSQL member role, or the email (webhook, manual, SCIM userName). */
function accountExpr(connector: SystemRow["connector"]): Prisma.Sql {
  return connector === "POSTGRES" ? Prisma.sql`('w_' || replace(i."id"::text, '-', ''))` : Prisma.sql`lower(i."email")`;
}
/** The name an entitlement has in the target: its externalRef (PostgreSQL needs one), else its catalog name. */
function refExpr(connector: SystemRow["connector"]): Prisma.Sql {
  return connector === "POSTGRES" ? Prisma.sql`e."externalRef"` : Prisma.sql`coalesce(nullif(e."externalRef", ''), e."name")`;
}

type WarrantKey = { account: string; ref: string; identityId: string; entitlementId: string; activeGrantId: string | null; inFlight: boolean };

/**
 * Warrant's grants in the system (not revoked; not those that issue a credential: their login belongs to the
 * grant and is read back by the credential's own lifecycle, docs/credentials.md), grouped per (account, entitlement), in merge order, by keyset
 * pages. PostgreSQL accounts are `w_` + the 32 hex digits of the identity id, so their order is the
 * order of the identity ids: pages walk the Grant (identityId, …) index instead of sorting every grant of
 * the system for each page. Email accounts (webhook, manual) are sorted by lower(email).
 */
async function* warrantKeys(db: PrismaClient, system: SystemRow): AsyncGenerator<WarrantKey> {
  type Row = { account: string; ref: string; identityId: string; entitlementId: string; grantId: string; status: string };
  const acct = accountExpr(system.connector);
  const ref = refExpr(system.connector);
  const byId = system.connector === "POSTGRES";
  let after: Row | null = null;
  let cur: WarrantKey | null = null;
  const NIL = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const a = after;
    const rows: Row[] = byId
      ? await db.$queryRaw<Row[]>`
          SELECT x.account, x.ref, x."identityId"::text AS "identityId", x."entitlementId"::text AS "entitlementId", x.id::text AS "grantId", x.status
            FROM (SELECT g.id, g."identityId", g."entitlementId", g.status::text AS status, ${acct} AS account, ${ref} AS ref
                    FROM "Grant" g
                    JOIN "Identity" i ON i.id = g."identityId"
                    JOIN "Entitlement" e ON e.id = g."entitlementId"
                   WHERE e."systemId" = ${system.id}::uuid AND g.status <> 'REVOKED' AND NOT e."issuesCredential" AND g."identityId" >= ${a?.identityId ?? NIL}::uuid) x
           WHERE x.ref IS NOT NULL
             AND (${a === null} OR (x."identityId", x.ref COLLATE "C", x.id) > (${a?.identityId ?? NIL}::uuid, ${a?.ref ?? ""} COLLATE "C", ${a?.grantId ?? NIL}::uuid))
           ORDER BY x."identityId", x.ref COLLATE "C", x.id
           LIMIT ${WARRANT_PAGE}`
      : await db.$queryRaw<Row[]>`
          SELECT x.account, x.ref, x."identityId"::text AS "identityId", x."entitlementId"::text AS "entitlementId", x.id::text AS "grantId", x.status
            FROM (SELECT g.id, g."identityId", g."entitlementId", g.status::text AS status, ${acct} AS account, ${ref} AS ref
                    FROM "Grant" g
                    JOIN "Identity" i ON i.id = g."identityId"
                    JOIN "Entitlement" e ON e.id = g."entitlementId"
                   WHERE e."systemId" = ${system.id}::uuid AND g.status <> 'REVOKED' AND NOT e."issuesCredential") x
           WHERE x.account IS NOT NULL AND x.ref IS NOT NULL
             AND (${a === null} OR (x.account COLLATE "C", x.ref COLLATE "C", x.id) > (${a?.account ?? ""} COLLATE "C", ${a?.ref ?? ""} COLLATE "C", ${a?.grantId ?? NIL}::uuid))
           ORDER BY x.account COLLATE "C", x.ref COLLATE "C", x.id
           LIMIT ${WARRANT_PAGE}`;
    for (const r of rows) {
      if (cur && cur.account === r.account && cur.ref === r.ref) {
        if (r.status === "ACTIVE") cur.activeGrantId ??= r.grantId;
        if (IN_FLIGHT.has(r.status)) cur.inFlight = true;
        continue;
      }
      if (cur) yield cur;
      cur = { account: r.account, ref: r.ref, identityId: r.identityId, entitlementId: r.entitlementId, activeGrantId: r.status === "ACTIVE" ? r.grantId : null, inFlight: IN_FLIGHT.has(r.status) };
    }
    if (rows.length < WARRANT_PAGE) break;
    after = rows[rows.length - 1]!;
  }
  if (cur) yield cur;
}

// ---------------------------------------------------------------------------------------------------
// A run.

type Candidate =
  | { side: "target"; account: string; ref: string }
  | { side: "warrant"; account: string; ref: string; identityId: string; entitlementId: string; grantId: string };

type Ents = Map<string, { id: string; name: string }>;

async function managedEntitlements(db: PrismaClient | Tx, system: SystemRow): Promise<Ents> {
  const ents = await db.entitlement.findMany({ where: { systemId: system.id }, select: { id: true, name: true, externalRef: true } });
  const out: Ents = new Map();
  for (const e of ents) {
    const ref = e.externalRef?.trim() || (system.connector === "POSTGRES" ? null : e.name);
    if (ref && !out.has(ref)) out.set(ref, { id: e.id, name: e.name });
  }
  return out;
}

/** The identities behind target accounts: by member-role name (PostgreSQL) or by email. */
async function identitiesOf(db: Tx, system: SystemRow, accounts: string[]): Promise<Map<string, { id: string; status: string }>> {
  const out = new Map<string, { id: string; status: string }>();
  if (accounts.length === 0) return out;
  if (system.connector === "POSTGRES") {
    const ranges = accounts.map((a) => ({ a, r: identityIdRangeOf(a) })).filter((x) => x.r !== null);
    if (ranges.length === 0) return out;
    const rows = await db.$queryRaw<{ account: string; id: string; status: string }[]>`
      SELECT v.account, i.id::text AS id, i.status::text AS status
        FROM unnest(${ranges.map((x) => x.a)}::text[], ${ranges.map((x) => x.r!.lo)}::uuid[], ${ranges.map((x) => x.r!.hi)}::uuid[]) AS v(account, lo, hi)
        JOIN "Identity" i ON i.id BETWEEN v.lo AND v.hi
       ORDER BY i."createdAt"`;
    // A legacy `w_<8 hex>` name shared by several identities stands for none of them (an orphan account).
    const shared = new Set<string>();
    for (const r of rows) {
      const seen = out.get(r.account);
      if (seen && seen.id !== r.id) shared.add(r.account);
      else out.set(r.account, { id: r.id, status: r.status });
    }
    for (const a of shared) out.delete(a);
    return out;
  }
  const rows = await db.$queryRaw<{ account: string; id: string; status: string }[]>`
    SELECT lower(i.email) AS account, i.id::text AS id, i.status::text AS status
      FROM "Identity" i WHERE lower(i.email) = ANY(${accounts}::text[])
     ORDER BY i."createdAt"`;
  for (const r of rows) if (!out.has(r.account)) out.set(r.account, { id: r.id, status: r.status });
  return out;
}

type Ctx = { db: PrismaClient; system: SystemRow; ents: Ents; runId: string; now: Date; counts: RunCounts };

/** Writes one batch of findings (open new ones, keep seen ones, reopen ones whose acceptance ended). */
async function flush(c: Ctx, batch: Candidate[]) {
  if (batch.length === 0) return;
  await c.db.$transaction(async (tx) => {
    await lockKeys(tx, [`reconcile:${c.system.id}`]);
    const targetAccounts = [...new Set(batch.filter((b) => b.side === "target").map((b) => b.account))];
    const who = await identitiesOf(tx, c.system, targetAccounts);
    const wanted = batch.map((b) => {
      let kind: ReconKind;
      let identityId: string | null;
      if (b.side === "warrant") {
        kind = "MISSING_ACCESS";
        identityId = b.identityId;
      } else {
        const id = who.get(b.account);
        kind = !id || id.status === "DEPROVISIONED" ? "ORPHAN_ACCOUNT" : "UNMANAGED_ACCESS";
        identityId = id?.id ?? null;
      }
      const ent = c.ents.get(b.ref);
      c.counts[kind]++;
      return {
        kind,
        dedupeKey: reconDedupeKey(c.system.id, kind, b.account, b.ref),
        details: {
          systemId: c.system.id,
          system: c.system.name,
          account: b.account,
          externalRef: b.ref,
          entitlementId: ent?.id ?? (b.side === "warrant" ? b.entitlementId : null),
          entitlement: ent?.name ?? b.ref,
          identityId,
          grantId: b.side === "warrant" ? b.grantId : null,
          firstSeenRunId: c.runId,
          lastSeenRunId: c.runId,
          lastSeenAt: c.now.toISOString(),
        },
      };
    });
    const existing = await tx.finding.findMany({ where: { dedupeKey: { in: wanted.map((w) => w.dedupeKey) } }, select: { id: true, dedupeKey: true, status: true, details: true } });
    const byKey = new Map(existing.map((e) => [e.dedupeKey!, e]));
    const seenOpen: string[] = [];
    const reopened: string[] = [];
    const fresh: typeof wanted = [];
    for (const w of wanted) {
      const e = byKey.get(w.dedupeKey);
      if (!e) {
        fresh.push(w);
        continue;
      }
      if (e.status === "OPEN") {
        seenOpen.push(e.id);
        continue;
      }
      const d = (e.details ?? {}) as Record<string, unknown>;
      const until = typeof d.acceptedUntil === "string" ? new Date(d.acceptedUntil) : null;
      if (until && until > c.now) {
        c.counts.accepted++;
        c.counts[w.kind]--;
        continue;
      }
      // Accepted until a date now past (or resolved by hand while the drift stayed): open again.
      const { outcome: _o, acceptedUntil: _a, ...rest } = d;
      const moved = await tx.finding.updateMany({
        where: { id: e.id, status: "RESOLVED" },
        data: { status: "OPEN", resolvedAt: null, resolvedById: null, details: { ...rest, ...w.details, firstSeenRunId: d.firstSeenRunId ?? c.runId, reopenedAt: c.now.toISOString(), previousOutcome: d.outcome ?? null } as Prisma.InputJsonValue },
      });
      if (moved.count) reopened.push(e.id);
    }
    if (seenOpen.length) {
      await tx.$executeRaw`
        UPDATE "Finding" SET details = details || jsonb_build_object('lastSeenRunId', ${c.runId}::text, 'lastSeenAt', ${c.now.toISOString()}::text)
         WHERE id = ANY(${seenOpen}::uuid[]) AND status = 'OPEN'`;
    }
    let opened: { id: string }[] = [];
    if (fresh.length) {
      opened = await tx.finding.createManyAndReturn({
        data: fresh.map((w) => ({ kind: w.kind, subjectType: "System", subjectId: c.system.id, assigneeId: c.system.ownerId, details: w.details as Prisma.InputJsonValue, dedupeKey: w.dedupeKey, createdAt: c.now })),
        skipDuplicates: true,
        select: { id: true },
      });
    }
    c.counts.opened += opened.length;
    c.counts.reopened += reopened.length;
    await tx.reconciliationRun.update({ where: { id: c.runId }, data: { leaseUntil: new Date(c.now.getTime() + RUN_LEASE_MS) } });
    if (opened.length || reopened.length) {
      await recordEvent(tx, {
        actorId: null,
        action: "reconciliation.findings_opened",
        subjectType: "System",
        subjectId: c.system.id,
        occurredAt: c.now,
        payload: { runId: c.runId, opened: opened.map((o) => o.id), reopened },
      });
    }
  }, RUN_TX);
}

/** Starts a run: under the system's lock, takes over an expired run, refuses when one is in progress. */
async function startRun(db: PrismaClient, system: SystemRow, o: { trigger: "MANUAL" | "SCHEDULED"; actorId: string | null; now: Date }): Promise<{ runId: string; firstRun: boolean }> {
  return db.$transaction(async (tx) => {
    await lockKeys(tx, [`reconcile:${system.id}`]);
    const stale = await tx.reconciliationRun.updateManyAndReturn({
      where: { systemId: system.id, status: "RUNNING", leaseUntil: { lt: o.now } },
      data: { status: "FAILED", completedAt: o.now, error: "The run stopped before it finished (its lease ran out)." },
      select: { id: true },
    });
    for (const s of stale) {
      await recordEvent(tx, { actorId: null, action: "reconciliation.failed", subjectType: "System", subjectId: system.id, occurredAt: o.now, payload: { runId: s.id, error: "lease expired" } });
    }
    const running = await tx.reconciliationRun.findFirst({ where: { systemId: system.id, status: "RUNNING" }, select: { id: true } });
    if (running) throw conflict(`A reconciliation of ${system.name} is already running: wait for it to finish.`);
    // Decided under the system's lock: the first run to complete is the onboarding one.
    const completed = await tx.reconciliationRun.findFirst({ where: { systemId: system.id, status: "COMPLETED" }, select: { id: true } });
    const run = await tx.reconciliationRun.create({
      data: { systemId: system.id, trigger: o.trigger, actorId: o.actorId, startedAt: o.now, leaseUntil: new Date(o.now.getTime() + RUN_LEASE_MS) },
      select: { id: true },
    });
    return { runId: run.id, firstRun: completed === null };
  });
}

function emptyCounts(): RunCounts {
  return { UNMANAGED_ACCESS: 0, MISSING_ACCESS: 0, ORPHAN_ACCOUNT: 0, accepted: 0, opened: 0, reopened: 0, resolved: 0, adopted: 0 };
}

/**
 * One reconciliation of a system (the service behind "Reconcile now" and the scheduled job). CONFLICT when a
 * run of the same system is in progress. A connector error fails the run ("reconciliation.failed") and is
 * thrown again; nothing is resolved by a failed run.
 *
 * Onboarding: the first run of a system (no earlier COMPLETED run) adopts, unless `adoptExisting` is false,
 * every open unmanaged-access finding it saw whose account is an ACTIVE identity, as an IMPORTED grant (the
 * adopt action's own path and ledger events, source "onboarding"), in transactions of ONBOARD_BATCH findings.
 * Orphan accounts and missing access stay findings. `adoptExisting: true` on a later run adopts nothing.
 */
export async function runReconciliation(
  db: PrismaClient,
  o: { systemId: string; trigger: "MANUAL" | "SCHEDULED"; actorId: string | null; now: Date; upload?: string; adoptExisting?: boolean; /** Tests: a smaller onboarding batch. */ onboardBatch?: number },
): Promise<RunResult> {
  const system = await db.system.findUnique({ where: { id: o.systemId }, select: { id: true, name: true, ownerId: true, connector: true, connectorConfig: true } });
  if (!system) throw notFound("The system");
  const connector = connectorFor(system.connector);
  if (!connector.listAccess) throw badInput(`The ${system.connector.toLowerCase()} connector cannot list access.`);
  const ents = await managedEntitlements(db, system);
  const listCtx = { system: { id: system.id, name: system.name, connectorConfig: system.connectorConfig }, managedRefs: [...ents.keys()], upload: o.upload };
  if (system.connector === "MANUAL") {
    if (o.upload === undefined) throw badInput("A manual system is reconciled from an access export: upload a CSV with the columns account,entitlement.", "accessExport");
    // Checked before the run starts: an export with bad rows applies nothing.
    const parsed = parseAccessExport(o.upload, new Set(listCtx.managedRefs));
    if (!parsed.ok) throw badInput(new AccessExportInvalid(parsed.errors).message, "accessExport");
  }
  const { runId, firstRun } = await startRun(db, system, o);
  const onboarding = firstRun && o.adoptExisting !== false;
  const counts = emptyCounts();
  const c: Ctx = { db, system, ents, runId, now: o.now, counts };
  const hash = createHash("sha256");
  let memberships = 0;
  try {
    const target = connector.listAccess(listCtx)[Symbol.asyncIterator]();
    let prev: { account: string; ref: string } | null = null;
    const nextTarget = async (): Promise<{ account: string; ref: string } | null> => {
      for (;;) {
        const r: IteratorResult<Membership> = await target.next();
        if (r.done) return null;
        const k = { account: r.value.account, ref: r.value.externalRef };
        if (!ents.has(k.ref)) continue;
        if (prev) {
          const d = cmpKey(k, prev);
          if (d === 0) continue;
          if (d < 0) throw new ConnectorError(`The target listed its memberships out of order ("${k.account}" / "${k.ref}" after "${prev.account}" / "${prev.ref}"): discovery needs them sorted by account, then entitlement.`);
        }
        prev = k;
        memberships++;
        hash.update(`${k.account}\t${k.ref}\n`);
        return k;
      }
    };
    const warrant = warrantKeys(db, system)[Symbol.asyncIterator]();
    const nextWarrant = async () => {
      const r = await warrant.next();
      return r.done ? null : r.value;
    };
    let t = await nextTarget();
    let w = await nextWarrant();
    let batch: Candidate[] = [];
    while (t || w) {
      const d = !t ? 1 : !w ? -1 : cmpKey(t, w);
      if (d < 0) {
        batch.push({ side: "target", account: t!.account, ref: t!.ref });
        t = await nextTarget();
      } else if (d > 0) {
        if (w!.activeGrantId && !w!.inFlight) batch.push({ side: "warrant", account: w!.account, ref: w!.ref, identityId: w!.identityId, entitlementId: w!.entitlementId, grantId: w!.activeGrantId });
        w = await nextWarrant();
      } else {
        t = await nextTarget();
        w = await nextWarrant();
      }
      if (batch.length >= RECON_BATCH) {
        await flush(c, batch);
        batch = [];
      }
    }
    await flush(c, batch);
    if (onboarding) counts.adopted = await onboardFindings(c, o.actorId, o.onboardBatch ?? ONBOARD_BATCH);
  } catch (e) {
    const message = e instanceof ConnectorError || e instanceof AccessExportInvalid ? e.message : `Reconciliation failed: ${(e as Error).message}`;
    await db.$transaction(async (tx) => {
      await lockKeys(tx, [`reconcile:${system.id}`]);
      await tx.reconciliationRun.update({ where: { id: runId }, data: { status: "FAILED", completedAt: o.now, memberships, counts, error: message.slice(0, 2000) } });
      await recordEvent(tx, { actorId: o.actorId, action: "reconciliation.failed", subjectType: "System", subjectId: system.id, occurredAt: o.now, payload: { runId, trigger: o.trigger, error: message.slice(0, 2000), memberships } });
    });
    throw e instanceof ConnectorError ? conflict(message) : e;
  }
  const snapshotSha256 = hash.digest("hex");
  await db.$transaction(async (tx) => {
    await lockKeys(tx, [`reconcile:${system.id}`]);
    const gone = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Finding"
         SET status = 'RESOLVED', "resolvedAt" = ${o.now.toISOString()}::timestamp, "dedupeKey" = "dedupeKey" || '#' || id::text,
             details = details || jsonb_build_object('outcome', 'GONE', 'goneInRunId', ${runId}::text)
       WHERE "subjectType" = 'System' AND "subjectId" = ${system.id} AND kind = ANY(${[...RECON_KINDS]}::text[]) AND status = 'OPEN'
         AND (details->>'lastSeenRunId') IS DISTINCT FROM ${runId}::text
      RETURNING id::text AS id`;
    counts.resolved = gone.length;
    await tx.reconciliationRun.update({ where: { id: runId }, data: { status: "COMPLETED", completedAt: o.now, memberships, counts, snapshotSha256 } });
    await recordEvent(tx, {
      actorId: o.actorId,
      action: "reconciliation.completed",
      subjectType: "System",
      subjectId: system.id,
      occurredAt: o.now,
      payload: { runId, trigger: o.trigger, connector: system.connector, memberships, snapshotSha256, counts, onboarding, resolvedFindingIds: gone.slice(0, 1000).map((g) => g.id) },
    });
  }, RUN_TX);
  return { runId, memberships, snapshotSha256, counts, onboarding };
}

/** "Reconcile now" (and, for a manual system, with its uploaded access export): the system's owner or an admin. */
export async function reconcileNow(ctx: ServiceCtx, input: z.output<typeof ZReconcileNowInput>): Promise<RunResult> {
  const system = await ctx.db.system.findUnique({ where: { id: input.systemId }, select: { ownerId: true } });
  if (!system) throw notFound("The system");
  if (!mayReconcile(ctx.actor, system)) throw forbidden("Only the system's owner or an admin can reconcile it.");
  return runReconciliation(ctx.db, { systemId: input.systemId, trigger: "MANUAL", actorId: ctx.actor.id, now: ctx.now(), upload: input.accessExport, adoptExisting: input.adoptExisting });
}

/** The scheduled job: systems with a connector that can list, due by their interval; a few per tick. */
export async function reconcileDueSystems(db: PrismaClient, now: Date, limit = 2): Promise<{ processed: number }> {
  const due = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id::text AS id FROM "System" s
     WHERE s.connector IN ('POSTGRES', 'WEBHOOK', 'SCIM') AND s."reconcileEveryHours" > 0
       AND NOT EXISTS (SELECT 1 FROM "ReconciliationRun" r
                        WHERE r."systemId" = s.id AND (r.status = 'RUNNING' OR r."startedAt" > ${now.toISOString()}::timestamp - make_interval(hours => s."reconcileEveryHours")))
     ORDER BY s.id LIMIT ${limit}`;
  let processed = 0;
  for (const s of due) {
    try {
      await runReconciliation(db, { systemId: s.id, trigger: "SCHEDULED", actorId: null, now });
      processed++;
    } catch {
      // A failed run is recorded (run FAILED, "reconciliation.failed"); a run in progress elsewhere is skipped.
    }
  }
  return { processed };
}

// ---------------------------------------------------------------------------------------------------
// Actions on a finding. Each: one transaction, the finding moved OPEN → RESOLVED conditionally (CONFLICT
// when it is not open any more: stale), its ledger event in the same transaction.

type ReconDetails = { systemId: string; account: string; externalRef: string; entitlementId: string | null; entitlement: string; identityId: string | null; grantId: string | null };

async function loadForAction(tx: Tx, ctx: ServiceCtx, findingId: string, action: "adopt" | "revoke" | "reprovision" | "accept") {
  const f = await tx.finding.findUnique({ where: { id: findingId } });
  if (!f || !(RECON_KINDS as readonly string[]).includes(f.kind) || f.subjectType !== "System") throw notFound("The reconciliation finding");
  const system = await tx.system.findUnique({ where: { id: f.subjectId }, select: { id: true, name: true, ownerId: true, connector: true } });
  if (!system) throw notFound("The system");
  if (!mayActOnFindings(ctx.actor, system)) throw forbidden("Only the system's owner, an admin or a security officer can act on its reconciliation findings.");
  const kind = f.kind as ReconKind;
  if (!RECON_ACTIONS[kind].includes(action)) throw badInput(`A finding of this kind cannot be resolved with "${action}".`);
  if (f.status !== "OPEN") throw conflict("This finding is not open any more (a later run or someone else resolved it): reload.");
  return { f, kind, system, d: f.details as unknown as ReconDetails };
}

/** Who acts on a finding: a person (the actions), or a run's starter (onboarding; null for the scheduled job). */
type Acting = { actorId: string | null; actorName: string; now: Date };
const acting = (ctx: ServiceCtx): Acting => ({ actorId: ctx.actor.id, actorName: ctx.actor.displayName, now: ctx.now() });

async function closeFinding(tx: Tx, who: Acting, f: { id: string; details: unknown }, outcome: ReconOutcome, extra: Record<string, unknown>, keepKey = false) {
  const now = who.now;
  const details = { ...((f.details ?? {}) as Record<string, unknown>), outcome, ...extra, resolvedBy: who.actorName };
  const moved = await tx.$executeRaw`
    UPDATE "Finding" SET status = 'RESOLVED', "resolvedAt" = ${now.toISOString()}::timestamp, "resolvedById" = ${who.actorId}::uuid,
           details = ${JSON.stringify(details)}::jsonb,
           "dedupeKey" = CASE WHEN ${keepKey} THEN "dedupeKey" ELSE "dedupeKey" || '#' || id::text END
     WHERE id = ${f.id}::uuid AND status = 'OPEN'`;
  if (moved === 0) throw conflict("This finding is not open any more (a later run or someone else resolved it): reload.");
}

async function findingEvent(tx: Tx, who: Acting, action: string, f: { id: string; kind: string }, d: ReconDetails, payload: Record<string, unknown>) {
  await recordEvent(tx, {
    actorId: who.actorId,
    action,
    subjectType: "Finding",
    subjectId: f.id,
    occurredAt: who.now,
    payload: { kind: f.kind, systemId: d.systemId, account: d.account, entitlement: d.entitlement, entitlementId: d.entitlementId, identityId: d.identityId, ...payload },
  });
}

/** An imported grant for access found in the target: ACTIVE, origin IMPORTED (unverified), with an end date. */
async function importGrant(tx: Tx, who: Acting, d: ReconDetails, findingId: string, expiresAt: Date, reason: string, source: "reconciliation" | "onboarding" = "reconciliation") {
  if (!d.identityId || !d.entitlementId) throw conflict("This account has no identity in Warrant: there is no one to hold the access.");
  await lockIdentities(tx, [d.identityId]);
  const held = await tx.grant.findFirst({ where: { identityId: d.identityId, entitlementId: d.entitlementId, status: { not: "REVOKED" } }, select: { id: true } });
  if (held) throw conflict("Warrant already has a grant of this access for this identity (it changed since the run): reconcile again.");
  const now = who.now;
  const g = await tx.grant.create({ data: { identityId: d.identityId, entitlementId: d.entitlementId, status: "ACTIVE", origin: "IMPORTED", startsAt: now, expiresAt } });
  await recordEvent(tx, {
    actorId: who.actorId,
    action: "grant.imported",
    subjectType: "Grant",
    subjectId: g.id,
    occurredAt: now,
    payload: { identityId: g.identityId, entitlementId: g.entitlementId, status: g.status, origin: g.origin, requestId: null, startsAt: g.startsAt, expiresAt: g.expiresAt, source, findingId, account: d.account, reason },
  });
  return g;
}

/**
 * Why this unmanaged access cannot be adopted now, or null: the holder must be an ACTIVE identity and Warrant
 * must hold no grant of it (not revoked). Reads only, so onboarding can skip a finding and carry on.
 */
async function adoptRefusal(tx: Tx, d: ReconDetails): Promise<string | null> {
  const identity = d.identityId ? await tx.identity.findUnique({ where: { id: d.identityId }, select: { status: true } }) : null;
  if (!identity || identity.status !== "ACTIVE" || !d.entitlementId) return "The holder is not an active identity: this access cannot be adopted; revoke it instead.";
  await lockIdentities(tx, [d.identityId!]);
  const held = await tx.grant.findFirst({ where: { identityId: d.identityId!, entitlementId: d.entitlementId, status: { not: "REVOKED" } }, select: { id: true } });
  return held ? "Warrant already has a grant of this access for this identity (it changed since the run): reconcile again." : null;
}

/** The adopt action itself, for a person and for onboarding: the grant, the finding closed, both ledger events. */
async function adoptLoaded(tx: Tx, who: Acting, f: { id: string; kind: string; details: unknown }, d: ReconDetails, o: { days: number; reason: string; source: "reconciliation" | "onboarding"; runId?: string }) {
  const expiresAt = new Date(who.now.getTime() + o.days * 86_400_000);
  const g = await importGrant(tx, who, d, f.id, expiresAt, o.reason, o.source);
  await closeFinding(tx, who, f, "ADOPTED", { grantId: g.id, reason: o.reason, adoptedUntil: expiresAt.toISOString(), ...(o.source === "onboarding" ? { source: o.source, onboardingRunId: o.runId } : {}) });
  await findingEvent(tx, who, "reconciliation.finding_adopted", f, d, { grantId: g.id, expiresAt, reason: o.reason, ...(o.source === "onboarding" ? { source: o.source, runId: o.runId } : {}) });
  return g;
}

/** Adopt unmanaged access: an IMPORTED grant (origin unverified) ending in `days`; the next review decides it. */
export async function adoptFinding(ctx: ServiceCtx, input: z.output<typeof ZAdoptFindingInput>) {
  return ctx.db.$transaction(async (tx) => {
    const { f, d } = await loadForAction(tx, ctx, input.findingId, "adopt");
    const refused = await adoptRefusal(tx, d);
    if (refused) throw conflict(refused);
    const g = await adoptLoaded(tx, acting(ctx), f, d, { days: input.days, reason: input.reason, source: "reconciliation" });
    return { findingId: f.id, grantId: g.id };
  });
}

/**
 * Onboarding (the first completed run of a system): every open UNMANAGED_ACCESS finding this run saw whose
 * holder is an ACTIVE identity is adopted through `adoptLoaded`, ONBOARD_BATCH findings per transaction (keyset
 * by id, each finding locked and re-checked OPEN inside its transaction), so a target of 100,000 memberships
 * never becomes one giant transaction. Returns how many were adopted.
 */
async function onboardFindings(c: Ctx, actorId: string | null, batchSize: number): Promise<number> {
  const actor = actorId ? await c.db.identity.findUnique({ where: { id: actorId }, select: { displayName: true } }) : null;
  const who: Acting = { actorId, actorName: actor?.displayName ?? "Warrant (scheduled reconciliation)", now: c.now };
  const reason = `Onboarding: access found in ${c.system.name} by its first reconciliation; the first review decides it`;
  let after = "00000000-0000-0000-0000-000000000000";
  let adopted = 0;
  for (;;) {
    const page = await c.db.$transaction(async (tx) => {
      await lockKeys(tx, [`reconcile:${c.system.id}`]);
      const rows = await tx.$queryRaw<{ id: string; kind: string; details: unknown }[]>`
        SELECT f.id::text AS id, f.kind, f.details FROM "Finding" f
         WHERE f."subjectType" = 'System' AND f."subjectId" = ${c.system.id} AND f.kind = 'UNMANAGED_ACCESS' AND f.status = 'OPEN'
           AND f.details->>'lastSeenRunId' = ${c.runId} AND f.id > ${after}::uuid
         ORDER BY f.id LIMIT ${batchSize} FOR UPDATE`;
      let n = 0;
      for (const f of rows) {
        const d = f.details as ReconDetails;
        if (await adoptRefusal(tx, d)) continue; // a suspended holder, or a grant made since: stays a finding
        await adoptLoaded(tx, who, f, d, { days: ONBOARDING_ADOPT_DAYS, reason, source: "onboarding", runId: c.runId });
        n++;
      }
      await tx.reconciliationRun.update({ where: { id: c.runId }, data: { leaseUntil: new Date(c.now.getTime() + RUN_LEASE_MS) } });
      return { n, last: rows.length ? rows[rows.length - 1]!.id : null, full: rows.length === batchSize };
    }, RUN_TX);
    adopted += page.n;
    if (!page.full || !page.last) return adopted;
    after = page.last;
  }
}

/**
 * Revoke access found in the target through the connector. For an identity: an imported grant recording the
 * access, moved at once to revocation (a REVOKE task; the grant is REVOKED only when the connector's read-back
 * confirms it). For an account that stands for no identity (a login made by hand), where the connector can
 * name it (PostgreSQL): the connector removes the membership now and the finding is closed only when its
 * read-back confirms it (the receipt is kept in the finding and the ledger event).
 */
export async function revokeFinding(ctx: ServiceCtx, input: z.output<typeof ZRevokeFindingInput>) {
  const pre = await ctx.db.$transaction((tx) => loadForAction(tx, ctx, input.findingId, "revoke"));
  if (!pre.d.identityId) return revokeAccountFinding(ctx, input, pre);
  return ctx.db.$transaction(async (tx) => {
    const { f, d } = await loadForAction(tx, ctx, input.findingId, "revoke");
    if (!d.identityId) throw conflict("This finding changed: reload.");
    const g = await importGrant(tx, acting(ctx), d, f.id, ctx.now(), input.reason);
    const res = await startRevocationOrConflict(tx, { grantId: g.id, cause: "MANUAL", actorId: ctx.actor.id, note: `Reconciliation: ${input.reason}`, now: ctx.now() });
    await closeFinding(tx, acting(ctx), f, "REVOKE_REQUESTED", { grantId: g.id, taskId: res.taskId, reason: input.reason });
    await findingEvent(tx, acting(ctx), "reconciliation.finding_revoked", f, d, { grantId: g.id, taskId: res.taskId, reason: input.reason });
    return { findingId: f.id, grantId: g.id as string | null, taskId: res.taskId as string | null };
  });
}

async function revokeAccountFinding(ctx: ServiceCtx, input: z.output<typeof ZRevokeFindingInput>, pre: Awaited<ReturnType<typeof loadForAction>>) {
  const connector = connectorFor(pre.system.connector);
  if (!connector.revokeAccount) throw conflict("This account has no identity in Warrant, and this connector can only remove an identity's access: remove it in the system by hand, or accept it with a reason.");
  const system = await ctx.db.system.findUniqueOrThrow({ where: { id: pre.system.id }, select: { id: true, name: true, connectorConfig: true } });
  const ents = await managedEntitlements(ctx.db, { ...pre.system, connectorConfig: system.connectorConfig });
  let receipt;
  try {
    receipt = await connector.revokeAccount({ system, managedRefs: [...ents.keys()] }, { account: pre.d.account, externalRef: pre.d.externalRef });
  } catch (e) {
    if (e instanceof ConnectorError) throw conflict(`The connector could not remove it: ${e.message}`);
    throw e;
  }
  if (!receipt.confirmed) throw conflict("The connector's read-back still shows the membership: nothing was closed. Try again, or remove it by hand.");
  return ctx.db.$transaction(async (tx) => {
    const { f, d } = await loadForAction(tx, ctx, input.findingId, "revoke");
    await closeFinding(tx, acting(ctx), f, "REVOKED", { receipt, reason: input.reason });
    await findingEvent(tx, acting(ctx), "reconciliation.finding_revoked", f, d, { receipt, reason: input.reason });
    return { findingId: f.id, grantId: null as string | null, taskId: null as string | null };
  });
}

/** Missing access: provision the ACTIVE grant again (a GRANT task, confirmed by the connector's read-back). */
export async function reprovisionFinding(ctx: ServiceCtx, input: z.output<typeof ZReprovisionFindingInput>) {
  return ctx.db.$transaction(async (tx) => {
    const { f, d, system } = await loadForAction(tx, ctx, input.findingId, "reprovision");
    if (!d.grantId) throw conflict("This finding names no grant.");
    const g = await tx.grant.findUnique({ where: { id: d.grantId }, select: { id: true, status: true, identityId: true, entitlementId: true, expiresAt: true } });
    if (!g || g.status !== "ACTIVE") throw conflict("The grant is not active any more (it changed since the run): reload.");
    const open = await tx.provisioningTask.findFirst({ where: { grantId: g.id, status: { in: ["PENDING", "AWAITING_CONFIRMATION"] } }, select: { id: true } });
    if (open) throw conflict("A provisioning task for this grant is already waiting.");
    const now = ctx.now();
    const task = await tx.provisioningTask.create({ data: { grantId: g.id, action: "GRANT", connector: system.connector, nextAttemptAt: now } });
    await recordEvent(tx, {
      actorId: ctx.actor.id,
      action: "grant.provisioning_requested",
      subjectType: "Grant",
      subjectId: g.id,
      occurredAt: now,
      payload: { identityId: g.identityId, entitlementId: g.entitlementId, entitlement: d.entitlement, expiresAt: g.expiresAt, connector: system.connector, taskId: task.id, reprovision: true, findingId: f.id, reason: input.reason },
    });
    await closeFinding(tx, acting(ctx), f, "REPROVISION_REQUESTED", { taskId: task.id, reason: input.reason });
    await findingEvent(tx, acting(ctx), "reconciliation.finding_reprovisioned", f, d, { grantId: g.id, taskId: task.id, reason: input.reason });
    return { findingId: f.id, taskId: task.id };
  });
}

/** Accept the drift as an exception with a reason until a date; a run after that date opens it again. */
export async function acceptFinding(ctx: ServiceCtx, input: z.output<typeof ZAcceptFindingInput>) {
  return ctx.db.$transaction(async (tx) => {
    const { f, d } = await loadForAction(tx, ctx, input.findingId, "accept");
    const acceptedUntil = new Date(ctx.now().getTime() + input.days * 86_400_000);
    await closeFinding(tx, acting(ctx), f, "ACCEPTED", { acceptedUntil: acceptedUntil.toISOString(), reason: input.reason }, true);
    await findingEvent(tx, acting(ctx), "reconciliation.finding_accepted", f, d, { acceptedUntil, reason: input.reason });
    return { findingId: f.id, acceptedUntil };
  });
}
