"use client";
import { useEffect, useState, type ReactNode } from "react";

/**
 * One chart on the home page: a title, a one-sentence summary (what a screen reader announces and what a
 * person reads first), the chart, and the same figures as a table under "Show figures".
 *
 * The chart is drawn only after the page is hydrated: recharts sizes its SVG with `style` attributes, which
 * the Content-Security-Policy forbids in server-rendered HTML (server/http/security-headers.ts), while styles
 * set from script after hydration are allowed. The drawing itself is hidden from assistive technology: the
 * summary and the table carry the same information.
 */
export function ChartFrame({ id, title, summary, table, children, testId }: { id: string; title: string; summary: string; table: ReactNode; children: ReactNode; testId?: string }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <figure aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} data-testid={testId} className="flex min-w-0 flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h3 id={`${id}-title`} className="text-sm font-semibold text-slate-900">
        {title}
      </h3>
      <p id={`${id}-summary`} className="mt-0.5 text-xs text-slate-600">
        {summary}
      </p>
      <div aria-hidden="true" className="mt-3 h-56 text-slate-500">
        {mounted ? children : null}
      </div>
      <details className="mt-2 text-xs text-slate-600">
        <summary className="cursor-pointer select-none font-medium text-brand-700 hover:underline">Show figures</summary>
        <div className="mt-2 overflow-x-auto">{table}</div>
      </details>
    </figure>
  );
}

/** The figures behind a chart as a plain table (first column: the category, then one column per series). */
export function FiguresTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table className="w-full text-left tabular-nums">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr className="border-b border-slate-200">
          {head.map((h) => (
            <th key={h} scope="col" className="py-1 pr-3 font-medium text-slate-700">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={String(r[0])} className="border-b border-slate-100">
            {r.map((v, i) =>
              i === 0 ? (
                <th key={i} scope="row" className="py-1 pr-3 font-normal">
                  {v}
                </th>
              ) : (
                <td key={i} className="py-1 pr-3">
                  {typeof v === "number" ? v.toLocaleString("en-GB") : v}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The tooltip of every chart: Tailwind classes (light and dark), no inline colours. */
export function ChartTooltip({ active, label, payload }: { active?: boolean; label?: string | number; payload?: readonly { name?: string | number; value?: unknown; color?: string }[] }) {
  if (!active || !payload?.length) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
      {label !== undefined && <p className="mb-1 font-medium">{label}</p>}
      {payload.map((p) => (
        <p key={String(p.name)}>
          {p.name}: <span className="font-semibold tabular-nums">{String(p.value)}</span>
        </p>
      ))}
    </div>
  );
}
