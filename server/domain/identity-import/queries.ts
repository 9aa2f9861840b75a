/** Reading an import's stored preview (ADMIN only): its summary, and its rows of one action, paged. */
import { forbidden, notFound } from "../../errors";
import { hasRole, type ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import type { z } from "zod";
import type { ImportCounts, ZImportRowsInput } from "./schema";

export type ImportSummary = {
  id: string;
  status: "PREVIEWED" | "APPLIED";
  fileName: string;
  sha256: string;
  fullList: boolean;
  rowCount: number;
  counts: ImportCounts;
  createdAt: Date;
  createdBy: string;
  appliedAt: Date | null;
  appliedBy: string | null;
};

export type ImportRowView = { seq: number; line: number | null; identityId: string | null; email: string | null; displayName: string; detail: Record<string, unknown>; reason: string | null };

function assertAdmin(ctx: ServiceCtx) {
  if (!hasRole(ctx.actor, "ADMIN")) throw forbidden("Only an admin can import people.");
}

export async function importById(ctx: ServiceCtx, input: { id: string }): Promise<ImportSummary> {
  assertAdmin(ctx);
  const imp = await ctx.db.identityImport.findUnique({ where: { id: input.id } });
  if (!imp) throw notFound("The import");
  const names = await ctx.db.identity.findMany({ where: { id: { in: [imp.createdById, imp.appliedById].filter((x): x is string => !!x) } }, select: { id: true, displayName: true } });
  const name = (id: string | null) => (id ? (names.find((n) => n.id === id)?.displayName ?? "someone") : null);
  return {
    id: imp.id,
    status: imp.status,
    fileName: imp.fileName,
    sha256: imp.sha256,
    fullList: imp.fullList,
    rowCount: imp.rowCount,
    counts: imp.counts as unknown as ImportCounts,
    createdAt: imp.createdAt,
    createdBy: name(imp.createdById) ?? "someone",
    appliedAt: imp.appliedAt,
    appliedBy: name(imp.appliedById),
  };
}

/** One action's rows in apply order (invalid rows: in line order), searchable by name or email. */
export async function importRows(ctx: ServiceCtx, input: z.output<typeof ZImportRowsInput>): Promise<Page<ImportRowView>> {
  assertAdmin(ctx);
  const imp = await ctx.db.identityImport.findUnique({ where: { id: input.id }, select: { id: true } });
  if (!imp) throw notFound("The import");
  const where = {
    importId: input.id,
    action: input.action,
    ...(input.q ? { OR: [{ displayName: { contains: input.q, mode: "insensitive" as const } }, { email: { contains: input.q, mode: "insensitive" as const } }] } : {}),
  };
  const [rows, total] = await Promise.all([
    ctx.db.identityImportRow.findMany({ where, orderBy: { seq: input.dir === "desc" ? "desc" : "asc" }, ...skipTake(input) }),
    ctx.db.identityImportRow.count({ where }),
  ]);
  return {
    rows: rows.map((r) => ({ seq: r.seq, line: r.line, identityId: r.identityId, email: r.email, displayName: r.displayName, detail: r.detail as Record<string, unknown>, reason: r.reason })),
    total,
    page: input.page,
    size: input.size,
  };
}
