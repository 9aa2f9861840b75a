/**
 * The organisation-wide figures of the home page: what admins, security officers and auditors (those who read
 * all access, scope.ts) see beside their own work. The bounded totals (org-totals.ts), the charts over the
 * whole organisation (charts.ts) and the open findings. They are the same for every such person.
 *
 * Shared while in flight. They cost about 0.5 s of SQL at 1,000,000 grants, reading some 10⁶ index entries;
 * ten admins opening the home at once ran ten such computations side by side on two cores (5 s each). A view
 * now joins a computation already running if it reads the same database at the same ledger head and started
 * at most JOIN_WINDOW_MS earlier by the service clock; otherwise it starts one. Nothing is kept once a
 * computation ends: the next view computes afresh.
 *
 * Why joining gives the figures the view would have computed itself: every change of state writes its ledger
 * event in the same transaction (DESIGN.md), so the head's sequence number names the state the figures are
 * read from. The head is read before the computation starts and each of its statements sees that state or a
 * later one; a view whose own write has committed reads a later head and does not join an older
 * computation (it sees its own write). What can differ is time: the joined computation's clock is up to
 * JOIN_WINDOW_MS behind the view's, which moves a stage across an ageing bucket's edge, or a grant into
 * "overdue", that much later. Nothing depends on this memory being shared between processes: each
 * instance of the portal computes the same figures for the same head (org-totals.ts).
 */
import type { ServiceCtx } from "../actor";
import { SharedRun } from "../shared-run";
import { ALL_OPEN_STAGES, accessByRisk, approvalAgeing, campaignBurndown, findingsByKind, requestsOverTime, unverifiedOverTime } from "./charts";
import { boundedGrantCounts } from "./org-totals";

/** A view joins a computation at the same ledger head started at most this long before its own clock. */
export const JOIN_WINDOW_MS = 2_000;

const ALL = { all: true } as const;

async function computeOrgFigures(ctx: ServiceCtx) {
  const [totals, requests, ageing, burndown, risk, unverified, findingKinds, openFindings] = await Promise.all([
    boundedGrantCounts(ctx),
    requestsOverTime(ctx, ALL),
    approvalAgeing(ctx, ALL_OPEN_STAGES),
    campaignBurndown(ctx, ALL),
    accessByRisk(ctx, ALL),
    unverifiedOverTime(ctx, ALL),
    findingsByKind(ctx),
    ctx.db.finding.count({ where: { status: "OPEN" } }),
  ]);
  return { totals, charts: { requests, ageing, burndown, risk, unverified, findingKinds }, openFindings };
}

export type OrgFigures = Awaited<ReturnType<typeof computeOrgFigures>>;

const shared = new SharedRun<OrgFigures>(JOIN_WINDOW_MS);

/** How many computations of the figures have started on this database client (shared views count once). */
export function orgFigureComputations(db: object): number {
  return shared.started(db);
}

/** The ledger head's sequence number: the version of the state the figures are read from (the key to join on). */
export async function stateVersion(ctx: Pick<ServiceCtx, "db">): Promise<string> {
  const rows = await ctx.db.$queryRaw<{ seq: bigint }[]>`SELECT "seq" FROM "LedgerHead" WHERE "id" = 1`;
  return String(rows[0]?.seq ?? "none");
}

export async function orgFigures(ctx: ServiceCtx): Promise<OrgFigures> {
  const head = await stateVersion(ctx);
  return shared.run(ctx.db, head, ctx.now().getTime(), () => computeOrgFigures(ctx));
}
