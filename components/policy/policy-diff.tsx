import type { DiffLine } from "@/server/domain/policy/schema";

const CONTEXT = 3;

type Row = { kind: "line"; line: DiffLine } | { kind: "gap"; hidden: number };

/** Keeps changed lines and a few lines around them; long unchanged runs collapse into one row. */
function withContext(lines: DiffLine[]): Row[] {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === "same") return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(lines.length - 1, i + CONTEXT); k++) keep[k] = true;
  });
  const rows: Row[] = [];
  let hidden = 0;
  lines.forEach((line, i) => {
    if (keep[i]) {
      if (hidden) rows.push({ kind: "gap", hidden });
      hidden = 0;
      rows.push({ kind: "line", line });
    } else hidden++;
  });
  if (hidden) rows.push({ kind: "gap", hidden });
  return rows;
}

const STYLE: Record<DiffLine["op"], { row: string; sign: string; label: string }> = {
  add: { row: "bg-emerald-50 text-emerald-900", sign: "+", label: "added" },
  remove: { row: "bg-red-50 text-red-900", sign: "-", label: "removed" },
  same: { row: "text-slate-700", sign: " ", label: "unchanged" },
};

/** A line diff between two policy versions: removed lines red with "-", added lines green with "+". */
export function PolicyDiff({ lines, full = false }: { lines: DiffLine[]; full?: boolean }) {
  if (!lines.some((l) => l.op !== "same")) return <p className="text-sm text-slate-500">The two versions have the same text.</p>;
  const rows = full ? lines.map((line) => ({ kind: "line", line }) as Row) : withContext(lines);
  return (
    <div tabIndex={0} role="region" aria-label="Policy changes" className="overflow-x-auto rounded-md border border-slate-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500" data-testid="policy-diff">
      <table className="w-full border-collapse font-mono text-[13px] leading-5">
        <tbody>
          {rows.map((r, i) =>
            r.kind === "gap" ? (
              <tr key={i} className="bg-slate-100 text-slate-500">
                <td colSpan={4} className="px-3 py-0.5 text-xs">
                  … {r.hidden} unchanged {r.hidden === 1 ? "line" : "lines"}
                </td>
              </tr>
            ) : (
              <tr key={i} className={STYLE[r.line.op].row}>
                <td className="w-10 select-none px-2 text-right text-slate-400">{r.line.oldLine ?? ""}</td>
                <td className="w-10 select-none border-r border-slate-200 px-2 text-right text-slate-400">{r.line.newLine ?? ""}</td>
                <td className="w-5 select-none pl-2 font-semibold" aria-label={STYLE[r.line.op].label}>
                  {STYLE[r.line.op].sign}
                </td>
                <td className="whitespace-pre pr-3">{r.line.text || " "}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
