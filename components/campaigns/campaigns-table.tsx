"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import { CampaignStatusBadge } from "./status-badge";
import { ProgressBar } from "./progress-bar";
import { CAMPAIGN_STATUS } from "./labels";
import type { CampaignListRow } from "./types";

const col = createColumnHelper<CampaignListRow>();

function columns(now: number) {
  return [
    col.accessor("name", { header: "Campaign" }),
    col.accessor("status", { header: "Status", cell: (c) => <CampaignStatusBadge status={c.getValue()} /> }),
    col.accessor("ownerName", { id: "owner", header: "Owner", enableSorting: false }),
    col.accessor("dueAt", {
      header: "Due",
      cell: (c) => {
        const r = c.row.original;
        const overdue = r.status === "ACTIVE" && new Date(r.dueAt).getTime() < now && r.decided + r.defaulted < r.total;
        return (
          <span className="inline-flex items-center gap-2">
            {formatDate(r.dueAt)}
            {overdue && (
              <Badge tone="red" title="Past the due date with items still undecided">
                Overdue
              </Badge>
            )}
          </span>
        );
      },
    }),
    col.display({
      id: "progress",
      header: "Progress",
      cell: (c) => {
        const r = c.row.original;
        if (r.status === "DRAFT") return <span className="text-xs text-slate-500">Not launched</span>;
        return <ProgressBar done={r.decided} defaulted={r.defaulted} total={r.total} label={`Progress of ${r.name}`} size="sm" />;
      },
    }),
  ];
}

export function CampaignsTable({ rows, total, page, size, sort, dir, now }: { rows: CampaignListRow[]; total: number; page: number; size: number; sort?: string; dir: "asc" | "desc"; now: string }) {
  return (
    <DataTable
      label="Campaigns"
      columns={columns(new Date(now).getTime())}
      rows={rows}
      total={total}
      page={page}
      size={size}
      sort={sort}
      dir={dir}
      searchPlaceholder="Search campaigns…"
      filters={[{ key: "status", label: "Status", options: Object.entries(CAMPAIGN_STATUS).map(([value, s]) => ({ value, label: s.label })) }]}
      emptyMessage="No campaigns match. Campaigns you run or review appear here."
      rowHref={(r) => `/campaigns/${r.id}`}
    />
  );
}
