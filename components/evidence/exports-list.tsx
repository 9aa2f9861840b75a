"use client";
/**
 * The evidence exports the person may see, newest first. A queued or running export polls its progress
 * every second (evidence.byId) until it is DONE (download) or FAILED (the error). An EXPIRED export (its file
 * removed after the retention period) shows when it expired and no download; its SHA-256 stays.
 */
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge, type Tone } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { isActive, type ExportRow, type ExportStatusName } from "@/server/domain/evidence-exports/schema";
import { ExportProgress } from "./export-progress";

const STATUS: Record<ExportStatusName, { label: string; tone: Tone }> = {
  QUEUED: { label: "Queued", tone: "slate" },
  RUNNING: { label: "Running", tone: "blue" },
  DONE: { label: "Ready", tone: "green" },
  FAILED: { label: "Failed", tone: "red" },
  EXPIRED: { label: "Expired", tone: "slate" },
};

export function formatBytes(n: number | null): string {
  if (n === null) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function scopeText(r: ExportRow): string {
  if (r.campaignId) return `Campaign: ${r.campaignName ?? r.campaignId}`;
  if (r.systemNames.length) return r.systemNames.join(", ");
  return "All systems";
}

function ExportItem({ initial, retentionDays }: { initial: ExportRow; retentionDays: number }) {
  const trpc = useTRPC();
  const { data } = useQuery(
    trpc.evidence.byId.queryOptions(
      { id: initial.id },
      {
        initialData: initial,
        refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? 1000 : false),
      },
    ),
  );
  const r = data ?? initial;
  const status = STATUS[r.status];
  return (
    <tr data-testid="evidence-export" data-export-id={r.id} data-status={r.status} className="align-top">
      <td className="px-3 py-3 text-sm">
        <div className="font-medium text-slate-900">
          {r.from} → {r.to}
        </div>
        <div className="text-xs text-slate-500">{scopeText(r)}</div>
      </td>
      <td className="px-3 py-3 text-sm text-slate-700">
        <div>{r.requestedBy}</div>
        <div className="text-xs text-slate-500">{formatDateTime(r.createdAt)}</div>
      </td>
      <td className="px-3 py-3">
        <Badge tone={status.tone}>{status.label}</Badge>
      </td>
      <td className="px-3 py-3">
        <ExportProgress done={r.progress} total={r.total} status={r.status} label={`Progress of the export ${r.from} to ${r.to}`} />
        {r.status === "FAILED" && r.error && <p className="mt-1 max-w-xs text-xs text-red-700">{r.error}</p>}
      </td>
      <td className="px-3 py-3 text-sm tabular-nums text-slate-700">{formatBytes(r.byteSize)}</td>
      <td className="px-3 py-3">
        {r.fileSha256 ? (
          <code title={r.fileSha256} className="block max-w-[12rem] truncate font-mono text-xs text-slate-700" data-testid="export-sha256">
            {r.fileSha256}
          </code>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </td>
      <td className="px-3 py-3 text-right">
        {r.status === "DONE" && (
          <a className={buttonClass("secondary", "px-2.5 py-1.5")} href={`/api/evidence/${r.id}/download`} download aria-label={`Download the evidence pack ${r.from} to ${r.to}`}>
            Download
          </a>
        )}
        {r.status === "EXPIRED" && (
          <span
            className="whitespace-nowrap text-sm text-slate-500"
            data-testid="export-expired"
            title={`The file was removed ${retentionDays} ${retentionDays === 1 ? "day" : "days"} after the pack was built; its SHA-256 stays as the record of what was delivered. Export the period again for a new pack.`}
          >
            Expired {formatDate(r.expiredAt)}
          </span>
        )}
      </td>
    </tr>
  );
}

export function ExportsList({ initial, retentionDays }: { initial: ExportRow[]; retentionDays: number }) {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.evidence.myExports.queryOptions(undefined, { initialData: initial }));
  const rows = data ?? initial;
  if (rows.length === 0) return <EmptyState title="No exports yet">Start one above: it runs in the background and appears here with its progress.</EmptyState>;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table className="min-w-full divide-y divide-slate-200">
        <caption className="sr-only">Evidence exports</caption>
        <thead className="bg-slate-50">
          <tr className="text-left text-xs font-medium uppercase tracking-wide text-slate-500">
            <th scope="col" className="px-3 py-2">Period and scope</th>
            <th scope="col" className="px-3 py-2">Requested</th>
            <th scope="col" className="px-3 py-2">Status</th>
            <th scope="col" className="px-3 py-2">Progress</th>
            <th scope="col" className="px-3 py-2">Size</th>
            <th scope="col" className="px-3 py-2">SHA-256</th>
            <th scope="col" className="px-3 py-2"><span className="sr-only">Download</span></th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <ExportItem key={r.id} initial={r} retentionDays={retentionDays} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
