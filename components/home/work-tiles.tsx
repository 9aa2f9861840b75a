import Link from "next/link";

export type WorkTile = { key: string; label: string; count: number; href: string; detail?: string; tone?: "amber" | "red" };

/** "Waiting for you": one tile per kind of work, each a count and a link to where the work is done. */
export function WorkTiles({ tiles }: { tiles: WorkTile[] }) {
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-label="Waiting for you">
      {tiles.map((t) => {
        const busy = t.count > 0;
        const color = !busy ? "text-slate-400" : t.tone === "red" ? "text-red-700" : t.tone === "amber" ? "text-amber-700" : "text-brand-700";
        return (
          <li key={t.key}>
            <Link
              href={t.href}
              data-testid={`work-${t.key}`}
              aria-label={`${t.label}: ${t.count}${t.detail ? ` (${t.detail})` : ""}`}
              className={`block h-full rounded-lg border p-4 shadow-sm transition-colors hover:border-brand-300 hover:ring-2 hover:ring-brand-100 ${busy ? "border-slate-200 bg-white" : "border-slate-200 bg-slate-50"}`}
            >
              <span className={`block text-3xl font-semibold tabular-nums ${color}`} data-testid="count">
                {t.count.toLocaleString("en-GB")}
              </span>
              <span className="mt-1 block text-sm font-medium text-slate-900">{t.label}</span>
              {t.detail && <span className="block text-xs text-slate-500">{t.detail}</span>}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
