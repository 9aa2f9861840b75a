/**
 * The completion report of a campaign (printable page through `campaignOps.report`, and the CSV download
 * GET /api/campaigns/<id>/report.csv): who reviewed what and when, decisions, comments, defaulted and overdue
 * items, revocations and their confirmation (the REVOKE task and its read-back), and the totals.
 *
 * Readers: the campaign's manager (owner or admin), SECURITY and AUDITOR. Everyone else is refused.
 *
 * "Overdue" for an item: decided after the campaign's (current) due date, or still undecided past it.
 * The CSV is streamed in keyset-paged batches, so a million-item campaign is never held in memory.
 */
import type { z } from "zod";
import type { PrismaClient, Tx } from "../../db";
import { Prisma, type Campaign } from "../../db/generated/client";
import { forbidden, notFound } from "../../errors";
import { loadActor, type Actor, type ServiceCtx } from "../actor";
import { canSeeWholeCampaign } from "./policy";
import { assertCanSeeCampaign } from "./visibility";
import { REPORT_ROW_LIMIT, type ZCampaignRef } from "./ops-schema";
import { readBackOf } from "./remediation";
import { csvLine } from "../../csv";

/** The campaign's owner, ADMIN, SECURITY, AUDITOR (the campaigns policy's "see the whole campaign"). */
export const canReadReport = canSeeWholeCampaign;

async function loadReadableCampaign(db: Tx, actor: Actor, campaignId: string): Promise<Campaign> {
  const c = await db.campaign.findUnique({ where: { id: campaignId } });
  if (!c) throw notFound("The campaign");
  if (!canReadReport(actor, c)) {
    await assertCanSeeCampaign(db, actor, c);
    throw forbidden("Only the campaign's owner, admins, security and auditors can read its report.");
  }
  return c;
}

export type ReportReceipt = { taskId: string; connector: string; status: string; summary: string };

export type ReportRow = {
  itemId: string;
  reviewerId: string;
  reviewer: string;
  identityId: string;
  identity: string;
  identityKind: string;
  entitlement: string;
  system: string;
  risk: string;
  privileged: boolean;
  decision: "KEEP" | "REVOKE" | null;
  comment: string | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  defaulted: boolean;
  escalated: boolean;
  routedFrom: string | null;
  routingReason: string | null;
  overdue: boolean;
  remediation: "NONE" | "PENDING" | "CONFIRMED" | "FAILED";
  revocationConfirmedAt: Date | null;
  receipt: ReportReceipt | null;
};

export type ReportTotals = {
  population: number;
  items: number;
  /** Decided by reviewers (kept + revoked); the default action's outcomes are counted apart. */
  decided: number;
  kept: number;
  revoked: number;
  /** Decided by nobody: the campaign's default action at close (defaultKept + defaultRevoked). */
  defaulted: number;
  defaultKept: number;
  defaultRevoked: number;
  undecided: number;
  overdue: number;
  escalated: number;
  revocationsRequested: number;
  revocationsConfirmed: number;
  revocationsFailed: number;
  revocationsPending: number;
};

const ITEM_SELECT = {
  id: true,
  reviewerId: true,
  identityId: true,
  identityName: true,
  identityKind: true,
  entitlementName: true,
  systemName: true,
  risk: true,
  privileged: true,
  decision: true,
  comment: true,
  decidedAt: true,
  decidedById: true,
  defaulted: true,
  escalatedAt: true,
  routedFromId: true,
  routingReason: true,
  remediation: true,
  remediatedAt: true,
  grantId: true,
} satisfies Prisma.ReviewItemSelect;

function summarizeReceipt(t: { status: string; connector: string; receipt: unknown; lastError: string | null; confirmNote: string | null }): string {
  if (t.status === "FAILED") return `Failed: ${t.lastError ?? "no error recorded"}`;
  if (t.status !== "DONE") return `Not confirmed yet (${t.status.toLowerCase().replace(/_/g, " ")})`;
  const rb = readBackOf(t.receipt);
  if (t.connector === "MANUAL" && rb && typeof rb === "object") {
    const m = rb as { confirmedByName?: string; note?: string };
    return `Confirmed by ${m.confirmedByName ?? "an owner"}${m.note ? `: ${m.note}` : ""}`;
  }
  const text = rb === null || rb === undefined ? "confirmed" : typeof rb === "string" ? rb : JSON.stringify(rb);
  return `Read-back: ${text}`.slice(0, 500);
}

/**
 * The ids of one page of a campaign's items after `cursor` (an item id of the campaign), in report order. A
 * keyset seek on the report-order index (migration review_item_report_order): the page starts where the
 * cursor's row sits in the index, so page 1,000 of a million-item campaign reads 1,000 index entries, not a
 * million. (Prisma's cursor over a four-column order filters from the campaign's first item instead.)
 */
async function pageIds(db: Tx, c: Campaign, opts: { cursor?: string; take: number }): Promise<string[]> {
  const after = opts.cursor
    ? Prisma.sql`AND (i."systemName", i."entitlementName", i."identityName", i."id") >
        (SELECT k."systemName", k."entitlementName", k."identityName", k."id" FROM "ReviewItem" k WHERE k."id" = ${opts.cursor}::uuid AND k."campaignId" = ${c.id}::uuid)`
    : Prisma.empty;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT i."id"::text AS "id" FROM "ReviewItem" i
     WHERE i."campaignId" = ${c.id}::uuid ${after}
     ORDER BY i."systemName", i."entitlementName", i."identityName", i."id"
     LIMIT ${opts.take}`;
  return rows.map((r) => r.id);
}

/** One page of report rows after `cursor` (an item id), in report order. */
export async function reportRowsPage(db: Tx, c: Campaign, now: Date, opts: { cursor?: string; take: number }): Promise<ReportRow[]> {
  const ids = await pageIds(db, c, opts);
  if (ids.length === 0) return [];
  const byId = new Map((await db.reviewItem.findMany({ where: { id: { in: ids } }, select: ITEM_SELECT })).map((i) => [i.id, i]));
  const items = ids.map((id) => byId.get(id)!);
  const personIds = new Set<string>();
  for (const i of items) {
    personIds.add(i.reviewerId);
    if (i.decidedById) personIds.add(i.decidedById);
    if (i.routedFromId) personIds.add(i.routedFromId);
  }
  const people = await db.identity.findMany({ where: { id: { in: [...personIds] } }, select: { id: true, displayName: true } });
  const name = new Map(people.map((p) => [p.id, p.displayName]));
  const remediated = items.filter((i) => i.remediation !== "NONE").map((i) => i.grantId);
  const tasks = remediated.length
    ? await db.provisioningTask.findMany({
        where: { grantId: { in: remediated }, action: "REVOKE" },
        select: { id: true, grantId: true, status: true, connector: true, receipt: true, lastError: true, confirmNote: true, createdAt: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      })
    : [];
  const taskOf = new Map<string, (typeof tasks)[number]>();
  for (const t of tasks) taskOf.set(t.grantId, t);
  const due = c.dueAt.getTime();
  return items.map((i) => {
    const t = i.remediation !== "NONE" ? taskOf.get(i.grantId) : undefined;
    return {
      itemId: i.id,
      reviewerId: i.reviewerId,
      reviewer: name.get(i.reviewerId) ?? i.reviewerId,
      identityId: i.identityId,
      identity: i.identityName,
      identityKind: i.identityKind,
      entitlement: i.entitlementName,
      system: i.systemName,
      risk: i.risk,
      privileged: i.privileged,
      decision: i.decision,
      comment: i.comment,
      decidedAt: i.decidedAt,
      decidedBy: i.decidedById ? (name.get(i.decidedById) ?? i.decidedById) : i.defaulted ? "(default action)" : null,
      defaulted: i.defaulted,
      escalated: i.escalatedAt !== null,
      routedFrom: i.routedFromId ? (name.get(i.routedFromId) ?? i.routedFromId) : null,
      routingReason: i.routingReason,
      overdue: i.decidedAt ? i.decidedAt.getTime() > due : now.getTime() > due,
      remediation: i.remediation,
      revocationConfirmedAt: i.remediation === "CONFIRMED" ? i.remediatedAt : null,
      receipt: t ? { taskId: t.id, connector: t.connector, status: t.status, summary: summarizeReceipt(t) } : null,
    };
  });
}

export async function reportTotals(db: Tx, c: Campaign, now: Date): Promise<ReportTotals> {
  const nowIso = now.toISOString();
  const [r] = await db.$queryRaw<Record<string, bigint>[]>`
    SELECT count(*) AS "items",
           count(*) FILTER (WHERE "decision" IS NOT NULL AND NOT "defaulted") AS "decided",
           count(*) FILTER (WHERE "decision" = 'KEEP' AND NOT "defaulted") AS "kept",
           count(*) FILTER (WHERE "decision" = 'REVOKE' AND NOT "defaulted") AS "revoked",
           count(*) FILTER (WHERE "defaulted") AS "defaulted",
           count(*) FILTER (WHERE "defaulted" AND "decision" = 'KEEP') AS "defaultKept",
           count(*) FILTER (WHERE "defaulted" AND "decision" = 'REVOKE') AS "defaultRevoked",
           count(*) FILTER (WHERE "decision" IS NULL) AS "undecided",
           count(*) FILTER (WHERE "decidedAt" > ${c.dueAt.toISOString()}::timestamp
                               OR ("decision" IS NULL AND ${nowIso}::timestamp > ${c.dueAt.toISOString()}::timestamp)) AS "overdue",
           count(*) FILTER (WHERE "escalatedAt" IS NOT NULL) AS "escalated",
           count(*) FILTER (WHERE "remediation" <> 'NONE') AS "requested",
           count(*) FILTER (WHERE "remediation" = 'CONFIRMED') AS "confirmed",
           count(*) FILTER (WHERE "remediation" = 'FAILED') AS "failed",
           count(*) FILTER (WHERE "remediation" = 'PENDING') AS "pending"
      FROM "ReviewItem" WHERE "campaignId" = ${c.id}::uuid`;
  const n = (k: string) => Number(r?.[k] ?? 0);
  return {
    population: c.populationCount ?? n("items"),
    items: n("items"),
    decided: n("decided"),
    kept: n("kept"),
    revoked: n("revoked"),
    defaulted: n("defaulted"),
    defaultKept: n("defaultKept"),
    defaultRevoked: n("defaultRevoked"),
    undecided: n("undecided"),
    overdue: n("overdue"),
    escalated: n("escalated"),
    revocationsRequested: n("requested"),
    revocationsConfirmed: n("confirmed"),
    revocationsFailed: n("failed"),
    revocationsPending: n("pending"),
  };
}

async function campaignHeader(db: Tx, c: Campaign) {
  const ids = [c.ownerId, c.fallbackReviewerId, ...(c.closedById ? [c.closedById] : [])];
  const people = await db.identity.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } });
  const person = (id: string | null) => (id ? { id, name: people.find((p) => p.id === id)?.displayName ?? id } : null);
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    owner: person(c.ownerId)!,
    fallbackReviewer: person(c.fallbackReviewerId)!,
    reviewerStrategy: c.reviewerStrategy,
    defaultAction: c.defaultAction,
    recurrence: c.recurrence,
    previousId: c.previousId,
    scope: c.scope,
    startsAt: c.startsAt,
    dueAt: c.dueAt,
    launchedAt: c.launchedAt,
    populationCount: c.populationCount,
    scopeHash: c.scopeHash,
    scopeQuery: c.scopeQuery,
    closedAt: c.closedAt,
    closedBy: person(c.closedById),
  };
}

/** The report for the printable page: at most REPORT_ROW_LIMIT rows (the CSV has all of them). */
export async function campaignReport(ctx: ServiceCtx, input: z.output<typeof ZCampaignRef>) {
  const c = await loadReadableCampaign(ctx.db, ctx.actor, input.campaignId);
  const now = ctx.now();
  const [campaign, totals, rows] = await Promise.all([campaignHeader(ctx.db, c), reportTotals(ctx.db, c, now), reportRowsPage(ctx.db, c, now, { take: REPORT_ROW_LIMIT })]);
  return { campaign, rows, totals, rowLimit: REPORT_ROW_LIMIT, rowsTruncated: totals.items > rows.length, generatedAt: now };
}

// ---------------------------------------------------------------------------------------------------------
// CSV (cells written by server/csv.ts, the project's one CSV rule: formulas neutralised, booleans true/false)
// ---------------------------------------------------------------------------------------------------------

export const REPORT_CSV_HEADER = [
  "Item",
  "Reviewer",
  "Holder",
  "Holder kind",
  "Entitlement",
  "System",
  "Risk",
  "Privileged",
  "Decision",
  "Comment",
  "Decided at",
  "Decided by",
  "Defaulted",
  "Escalated",
  "Routed from",
  "Overdue",
  "Remediation",
  "Revocation confirmed at",
  "Revocation task",
  "Receipt",
];

export function reportCsvRow(r: ReportRow): string {
  return csvLine([
    r.itemId,
    r.reviewer,
    r.identity,
    r.identityKind,
    r.entitlement,
    r.system,
    r.risk,
    r.privileged,
    r.decision ?? "UNDECIDED",
    r.comment,
    r.decidedAt,
    r.decidedBy,
    r.defaulted,
    r.escalated,
    r.routedFrom,
    r.overdue,
    r.remediation,
    r.revocationConfirmedAt,
    r.receipt?.taskId,
    r.receipt?.summary,
  ]);
}

/** The CSV as a byte stream: a BOM (so spreadsheets read UTF-8), the header, then rows `batch` at a time. */
export function reportCsvStream(db: PrismaClient, c: Campaign, now: Date, batch = 1000): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          controller.enqueue(enc.encode(`\uFEFF${csvLine(REPORT_CSV_HEADER)}`));
          return;
        }
        const rows = await reportRowsPage(db, c, now, { cursor, take: batch });
        if (rows.length === 0) {
          controller.close();
          return;
        }
        cursor = rows[rows.length - 1]!.itemId;
        controller.enqueue(enc.encode(rows.map(reportCsvRow).join("")));
        if (rows.length < batch) controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
  });
}

export function reportFilename(c: Pick<Campaign, "name">, now: Date): string {
  const slug = c.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "campaign";
  return `access-review-${slug}-${now.toISOString().slice(0, 10)}.csv`;
}

export type CsvOutcome = { ok: true; filename: string; body: ReadableStream<Uint8Array> } | { ok: false; status: 401 | 404; message: string };

/**
 * What GET /api/campaigns/<id>/report.csv answers for this session (identity) — the route is a thin wrapper.
 * 401 signed out; 404 alike for a campaign that does not exist and one whose report the caller may not read.
 */
export async function openReportCsv(db: PrismaClient, identityId: string | null, campaignId: string, now: Date): Promise<CsvOutcome> {
  if (!identityId) return { ok: false, status: 401, message: "Please sign in." };
  const actor = await loadActor(db, identityId);
  if (!actor) return { ok: false, status: 401, message: "Your account is not active in Warrant." };
  // Missing and not yours answer alike (same status, same words): the URL is no existence oracle.
  const notFound = { ok: false, status: 404, message: "The campaign was not found." } as const;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(campaignId)) return notFound;
  const c = await db.campaign.findUnique({ where: { id: campaignId } });
  if (!c || !canReadReport(actor, c)) return notFound;
  return { ok: true, filename: reportFilename(c, now), body: reportCsvStream(db, c, now) };
}
