"use client";
/**
 * The one table used everywhere: @tanstack/react-table rendering rows that the server already paged,
 * sorted and filtered. All state lives in the URL (q, page, size, sort, dir, one key per filter), so a view
 * can be shared as a link and the server component re-renders with the new parameters.
 */
import { useEffect, useRef, useState, useTransition } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from "@tanstack/react-table";

/** `allLabel` names the no-filter choice when it is not "All" (e.g. a filter whose default is a subset). */
export type FilterDef = { key: string; label: string; options: { value: string; label: string }[]; allLabel?: string };

export type DataTableProps<Row> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<Row, any>[];
  rows: Row[];
  total: number;
  page: number;
  size: number;
  sort?: string;
  dir?: "asc" | "desc";
  searchPlaceholder?: string;
  filters?: FilterDef[];
  emptyMessage?: string;
  rowHref?: (row: Row) => string;
  /** Accessible name of the table. */
  label?: string;
};

const PAGE_SIZES = [10, 25, 50, 100];

export function DataTable<Row>({ columns, rows, total, page, size, sort, dir = "asc", searchPlaceholder, filters = [], emptyMessage = "Nothing to show.", rowHref, label }: DataTableProps<Row>) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [q, setQ] = useState(params.get("q") ?? "");
  const debounce = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Marks the table once React has attached its handlers, so a browser test (or anything else) can wait for
  // "interactive" instead of guessing: a click on server-rendered HTML before hydration does nothing.
  const tableRef = useRef<HTMLTableElement>(null);
  useEffect(() => tableRef.current?.setAttribute("data-interactive", "true"), []);

  useEffect(() => setQ(params.get("q") ?? ""), [params]);

  function navigate(changes: Record<string, string | null>, resetPage = true) {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (resetPage && !("page" in changes)) next.delete("page");
    const qs = next.toString();
    startTransition(() => router.push(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  }

  function onSearch(value: string) {
    setQ(value);
    if (debounce.current) clearTimeout(debounce.current);
    debounce.current = setTimeout(() => navigate({ q: value.trim() || null }), 350);
  }

  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    // Rows keep their identity across refreshes: keyed by the row's own id, not its position. Keyed by
    // position, a row's state (an open dialog and what the person typed in it) moved to whichever item
    // took that place when the list was re-read (e.g. after a decision elsewhere on the page).
    getRowId: (row, index) => {
      const id = (row as { id?: unknown }).id;
      return typeof id === "string" || typeof id === "number" ? String(id) : String(index);
    },
    manualPagination: true,
    manualSorting: true,
    manualFiltering: true,
    rowCount: total,
    state: { sorting: sort ? [{ id: sort, desc: dir === "desc" }] : [], pagination: { pageIndex: page - 1, pageSize: size } },
  });

  function toggleSort(id: string) {
    if (sort === id) navigate({ sort: id, dir: dir === "asc" ? "desc" : "asc" });
    else navigate({ sort: id, dir: "asc" });
  }

  const pages = Math.max(1, Math.ceil(total / size));
  const from = total === 0 ? 0 : (page - 1) * size + 1;
  const to = Math.min(total, page * size);

  return (
    <div className="space-y-3">
      {(searchPlaceholder || filters.length > 0) && (
        <div className="flex flex-wrap items-end gap-3">
          {searchPlaceholder && (
            <div className="min-w-64 flex-1">
              <label htmlFor="table-search" className="sr-only">
                {searchPlaceholder}
              </label>
              <input
                id="table-search"
                type="search"
                value={q}
                onChange={(e) => onSearch(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    if (debounce.current) clearTimeout(debounce.current);
                    navigate({ q: q.trim() || null });
                  }
                }}
                placeholder={searchPlaceholder}
                className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
              />
            </div>
          )}
          {filters.map((f) => (
            <div key={f.key}>
              <label htmlFor={`filter-${f.key}`} className="block text-xs font-medium text-slate-600">
                {f.label}
              </label>
              <select
                id={`filter-${f.key}`}
                value={params.get(f.key) ?? ""}
                onChange={(e) => navigate({ [f.key]: e.target.value || null })}
                className="mt-0.5 block rounded-md border border-slate-300 bg-white px-2.5 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
              >
                <option value="">{f.allLabel ?? "All"}</option>
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          ))}
        </div>
      )}

      <div className={`overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm transition-opacity ${pending ? "opacity-60" : ""}`} aria-busy={pending}>
        <table ref={tableRef} className="min-w-full divide-y divide-slate-200 text-sm" aria-label={label}>
          <thead className="bg-slate-50">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const canSort = h.column.getCanSort();
                  const active = sort === h.column.id;
                  return (
                    <th key={h.id} scope="col" aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined} className="whitespace-nowrap px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                      {h.isPlaceholder ? null : canSort ? (
                        <button type="button" onClick={() => toggleSort(h.column.id)} className="inline-flex items-center gap-1 uppercase hover:text-slate-900">
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          <span aria-hidden className={active ? "text-slate-900" : "text-slate-300"}>
                            {active ? (dir === "asc" ? "▲" : "▼") : "↕"}
                          </span>
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100">
            {table.getRowModel().rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="px-4 py-10 text-center text-sm text-slate-500">
                  {emptyMessage}
                </td>
              </tr>
            ) : (
              table.getRowModel().rows.map((row) => {
                const href = rowHref?.(row.original);
                return (
                  <tr key={row.id} className={href ? "group cursor-pointer hover:bg-slate-50" : undefined} onClick={href ? () => router.push(href) : undefined}>
                    {row.getVisibleCells().map((cell, i) => (
                      <td key={cell.id} className="whitespace-nowrap px-4 py-2.5 text-slate-800">
                        {href && i === 0 ? (
                          <Link href={href} className="font-medium text-brand-700 hover:underline" onClick={(e) => e.stopPropagation()}>
                            {flexRender(cell.column.columnDef.cell, cell.getContext())}
                          </Link>
                        ) : (
                          flexRender(cell.column.columnDef.cell, cell.getContext())
                        )}
                      </td>
                    ))}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>

      <nav className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600" aria-label="Pagination">
        <p>
          {total === 0 ? "No results" : (
            <>
              Showing <span className="font-medium text-slate-900">{from}</span>–<span className="font-medium text-slate-900">{to}</span> of{" "}
              <span className="font-medium text-slate-900">{total.toLocaleString("en-GB")}</span>
            </>
          )}
        </p>
        <div className="flex items-center gap-2">
          <label htmlFor="page-size" className="text-xs">
            Rows per page
          </label>
          <select id="page-size" value={size} onChange={(e) => navigate({ size: e.target.value })} className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
            {PAGE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <button type="button" className="rounded-md border border-slate-300 bg-white px-2.5 py-1 disabled:opacity-40" disabled={page <= 1} onClick={() => navigate({ page: String(page - 1) }, false)}>
            Previous
          </button>
          <span className="tabular-nums">
            Page {page} of {pages}
          </span>
          <button type="button" className="rounded-md border border-slate-300 bg-white px-2.5 py-1 disabled:opacity-40" disabled={page >= pages} onClick={() => navigate({ page: String(page + 1) }, false)}>
            Next
          </button>
        </div>
      </nav>
    </div>
  );
}
