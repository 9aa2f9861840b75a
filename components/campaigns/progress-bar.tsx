import { BarFill } from "../ui/bar";

/** A labelled progress bar (decided of total), readable by screen readers as a progressbar. */
export function ProgressBar({ done, total, label, size = "md", showText = true }: { done: number; total: number; label: string; size?: "sm" | "md"; showText?: boolean }) {
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  return (
    <div className="min-w-32">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} decided`}
        className={`w-full overflow-hidden rounded-full bg-slate-200 ${size === "sm" ? "h-1.5" : "h-2.5"} print:border print:border-slate-400`}
      >
        <BarFill pct={pct} className={pct === 100 ? "fill-emerald-500" : "fill-brand-600"} />
      </div>
      {showText && (
        <p className="mt-1 text-xs tabular-nums text-slate-600">
          {done.toLocaleString("en-GB")} of {total.toLocaleString("en-GB")} decided · {pct}%
        </p>
      )}
    </div>
  );
}
