/**
 * One control check's result: pass / exceptions, the population it ran over, its first exceptions (and
 * flagged members) with a link to the CSV of all of them, and a sampling export (a plain GET form to the CSV
 * route: no script needed).
 */
import Link from "next/link";
import type { ControlCheckOverview, ControlRow } from "@/server/domain/audit/controls";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { SAMPLE_MAX, type ControlMemberList } from "@/server/domain/audit/schema";

type Scope = { from: string | null; to: string | null; system: string | null };

/** The CSV of every member of one list of a check, over the page's scope. */
function csvHref(check: string, list: ControlMemberList, scope: Scope): string {
  const q = new URLSearchParams({ list });
  if (scope.from) q.set("from", scope.from);
  if (scope.to) q.set("to", scope.to);
  if (scope.system) q.set("system", scope.system);
  return `/api/audit/controls/${check}?${q.toString()}`;
}

function Rows({ rows, total, caption, csv, what }: { rows: ControlRow[]; total: number; caption: string; csv: string; what: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="py-1.5 pr-4 font-medium">Subject</th>
            <th scope="col" className="py-1.5 pr-4 font-medium">Why</th>
            <th scope="col" className="py-1.5 font-medium">Detail</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="py-1.5 pr-4">{r.href ? <Link href={r.href} className="text-brand-700 hover:underline">{r.subject}</Link> : r.subject}</td>
              <td className="py-1.5 pr-4">{r.reason}</td>
              <td className="py-1.5 text-xs text-slate-500">{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-slate-500">
        {total > rows.length && (
          <>
            Showing the first {rows.length.toLocaleString("en-GB")} of {total.toLocaleString("en-GB")}.{" "}
          </>
        )}
        <a href={csv} className="text-brand-700 hover:underline" download>
          {total > rows.length ? `Download all ${total.toLocaleString("en-GB")} ${what} (CSV)` : `Download ${what} (CSV)`}
        </a>
      </p>
    </div>
  );
}

export function ControlCard({ result: r, scope }: { result: ControlCheckOverview; scope: Scope }) {
  const headingId = `control-${r.id}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-4 py-3">
        <div className="min-w-0">
          <h2 id={headingId} className="text-sm font-semibold text-slate-900">
            {r.title}
          </h2>
          <p className="mt-0.5 max-w-3xl text-xs text-slate-600">{r.description}</p>
        </div>
        {r.passed ? <Badge tone="green">✓ Passed</Badge> : <Badge tone="red">✗ {r.exceptionCount.toLocaleString("en-GB")} exception{r.exceptionCount === 1 ? "" : "s"}</Badge>}
      </header>
      <div className="space-y-3 p-4 text-sm">
        <p>
          <span className="font-medium">Population: {r.population.count.toLocaleString("en-GB")}</span> <span className="text-slate-600">— {r.population.definition}</span>
        </p>
        {r.exceptionCount > 0 && <Rows rows={r.exceptions} total={r.exceptionCount} caption={`Exceptions of ${r.title}`} csv={csvHref(r.id, "exceptions", scope)} what="exceptions" />}
        {r.flaggedCount > 0 && (
          <details>
            <summary className="cursor-pointer text-sm font-medium text-amber-800">
              {r.flaggedCount.toLocaleString("en-GB")} flagged (not exceptions)
            </summary>
            <div className="mt-2">
              <Rows rows={r.flagged} total={r.flaggedCount} caption={`Flagged members of ${r.title}`} csv={csvHref(r.id, "flagged", scope)} what="flagged" />
            </div>
          </details>
        )}
        <form action={`/api/audit/controls/${r.id}/sample`} method="get" className="flex flex-wrap items-end gap-3 rounded-md bg-slate-50 p-3">
          {scope.from && <input type="hidden" name="from" value={scope.from} />}
          {scope.to && <input type="hidden" name="to" value={scope.to} />}
          {scope.system && <input type="hidden" name="system" value={scope.system} />}
          <div>
            <label htmlFor={`${r.id}-n`} className="block text-xs font-medium text-slate-700">
              Sample size
            </label>
            <input id={`${r.id}-n`} name="n" type="number" min={1} max={SAMPLE_MAX} defaultValue={Math.min(25, Math.max(1, r.population.count))} className="mt-1 w-24 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
          </div>
          <div>
            <label htmlFor={`${r.id}-seed`} className="block text-xs font-medium text-slate-700">
              Seed <span className="font-normal text-slate-500">(blank: drawn and recorded)</span>
            </label>
            <input id={`${r.id}-seed`} name="seed" type="number" min={0} max={4294967295} placeholder="e.g. 20260302" className="mt-1 w-44 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
          </div>
          <button type="submit" className={buttonClass("secondary")} disabled={r.population.count === 0}>
            Download sample (CSV)
          </button>
        </form>
      </div>
    </section>
  );
}
