import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import type { PolicyVersionRow } from "@/server/domain/policy/queries";

/** Every saved version, newest first; each row links to that version (its text and its diff). */
export function PolicyHistory({ versions, selectedId, currentId }: { versions: PolicyVersionRow[]; selectedId: string | null; currentId: string | null }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Policy versions">
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Version</th>
            <th scope="col" className="py-2 pr-4 font-medium">SHA-256</th>
            <th scope="col" className="py-2 pr-4 font-medium">Note</th>
            <th scope="col" className="py-2 pr-4 font-medium">Saved by</th>
            <th scope="col" className="py-2 pr-4 font-medium">When</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {versions.map((v) => (
            <tr key={v.id} className={v.id === selectedId ? "bg-brand-50/60" : undefined}>
              <td className="py-2 pr-4">
                <Link href={`/admin/policy?version=${v.id}`} className="font-medium text-brand-700 hover:underline" aria-current={v.id === selectedId ? "true" : undefined}>
                  Version {v.version}
                </Link>{" "}
                {v.id === currentId && <Badge tone="green">In force</Badge>}
              </td>
              <td className="py-2 pr-4 font-mono text-xs text-slate-600" title={v.sha256}>
                {v.sha256.slice(0, 12)}…
              </td>
              <td className="max-w-md py-2 pr-4 text-slate-700">{v.note || <span className="text-slate-400">—</span>}</td>
              <td className="py-2 pr-4 text-slate-700">{v.createdBy?.name ?? <span className="text-slate-500">Warrant (setup)</span>}</td>
              <td className="whitespace-nowrap py-2 pr-4 text-slate-600">{formatDateTime(v.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
