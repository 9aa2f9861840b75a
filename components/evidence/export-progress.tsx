import { BarFill } from "../ui/bar";

/** An export's progress bar (rows written of rows to write), readable by screen readers. */
export function ExportProgress({ done, total, status, label }: { done: number; total: number; status: string; label: string }) {
  const built = status === "DONE" || status === "EXPIRED";
  const pct = built ? 100 : total === 0 ? 0 : Math.min(100, Math.round((done / total) * 100));
  const text = status === "QUEUED" ? "Waiting to start" : built ? "Complete" : status === "FAILED" ? "Stopped" : total === 0 ? "Starting…" : `${done.toLocaleString("en-GB")} of ${total.toLocaleString("en-GB")} · ${pct}%`;
  return (
    <div className="min-w-36">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={text}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <BarFill
          pct={status === "QUEUED" ? 4 : pct}
          className={`${status === "FAILED" ? "fill-red-500" : status === "DONE" ? "fill-emerald-500" : status === "EXPIRED" ? "fill-slate-400" : "fill-brand-600"} ${status === "QUEUED" ? "animate-pulse" : ""}`}
        />
      </div>
      <p className="mt-1 text-xs tabular-nums text-slate-600">{text}</p>
    </div>
  );
}
