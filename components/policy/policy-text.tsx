/** A policy text with line numbers (read-only, monospace). Lines in `marked` are highlighted. */
export function PolicyText({ text, marked = [] }: { text: string; marked?: number[] }) {
  const lines = text.replace(/\n$/, "").split("\n");
  const mark = new Set(marked);
  return (
    // Focusable, so a keyboard can scroll a long line into view (axe: scrollable-region-focusable).
    <div tabIndex={0} role="region" aria-label="Policy text" className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500" data-testid="policy-text">
      <table className="w-full border-collapse font-mono text-[13px] leading-5">
        <tbody>
          {lines.map((line, i) => (
            <tr key={i} className={mark.has(i + 1) ? "bg-amber-100" : undefined}>
              <td className="w-12 select-none border-r border-slate-200 px-2 text-right align-top text-slate-400" aria-hidden>
                {i + 1}
              </td>
              <td className={`whitespace-pre px-3 align-top ${line.trimStart().startsWith("//") ? "text-slate-500" : "text-slate-900"}`}>{line || " "}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
