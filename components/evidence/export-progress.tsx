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
        <div
          className={`h-full rounded-full transition-[width] duration-500 ${status === "FAILED" ? "bg-red-500" : status === "DONE" ? "bg-emerald-500" : status === "EXPIRED" ? "bg-slate-400" : "bg-brand-600"} ${status === "QUEUED" ? "animate-pulse" : ""}`}
          style={{ width: `${status === "QUEUED" ? 4 : pct}%` }}
        />
      </div>
      <p className="mt-1 text-xs tabular-nums text-slate-600">{text}</p>
    </div>
  );
}
