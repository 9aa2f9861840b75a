/**
 * A labelled progress bar, readable by screen readers as a progressbar: items decided by reviewers, and
 * apart from them (another colour, its own words) the items the campaign's default action decided at close,
 * which nobody reviewed. Drawn as SVG attributes, never inline styles (the Content-Security-Policy).
 */
export function ProgressBar({
  done,
  total,
  label,
  defaulted = 0,
  size = "md",
  showText = true,
}: {
  /** Decided by reviewers. */
  done: number;
  total: number;
  label: string;
  /** Kept or revoked by the default action at close (not a reviewer's decision). */
  defaulted?: number;
  size?: "sm" | "md";
  showText?: boolean;
}) {
  const pct = (n: number) => (total === 0 ? 0 : Math.max(0, Math.min(100, (n / total) * 100)));
  const reviewed = pct(done);
  const byDefault = Math.min(100 - reviewed, pct(defaulted));
  const shown = Math.round(reviewed);
  const text = defaulted
    ? `${done.toLocaleString("en-GB")} of ${total.toLocaleString("en-GB")} decided by reviewers, ${defaulted.toLocaleString("en-GB")} by the default action at close`
    : `${done.toLocaleString("en-GB")} of ${total.toLocaleString("en-GB")} decided`;
  return (
    <div className="min-w-32">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={text}
        className={`w-full overflow-hidden rounded-full bg-slate-200 ${size === "sm" ? "h-1.5" : "h-2.5"} print:border print:border-slate-400`}
      >
        <svg className="block h-full w-full" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" focusable="false">
          <rect x="0" y="0" width={reviewed} height="1" className={done === total && total > 0 ? "fill-emerald-500" : "fill-brand-600"} />
          {byDefault > 0 && <rect x={reviewed} y="0" width={byDefault} height="1" className="fill-amber-400" data-testid="progress-defaulted" />}
        </svg>
      </div>
      {showText && (
        <p className="mt-1 text-xs tabular-nums text-slate-600">
          {text} · {shown}%
        </p>
      )}
    </div>
  );
}
