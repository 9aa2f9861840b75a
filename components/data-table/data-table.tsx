"use client";
/**
 * The one table used everywhere: @tanstack/react-table rendering rows that the server already paged,
 * sorted and filtered. All state lives in the URL (q, page, size, sort, dir, one key per filter), so a view
 * can be shared as a link and the server component re-renders with the new parameters.
 *
 * Below 768 px the same table is laid out as cards (CSS only: one DOM, so a row's state, an open dialog or a
 * half-typed comment, survives a rotation or a resize). Each column's `meta.card` says its place on the card:
 * "title" (first line, bold), "subtitle" (second line), "action" (full width at the bottom), "select" (the
 * row's checkbox, top), "field" (a labelled value, the default) or "hidden" (not on a phone). Without meta, the
 * first column is the title, a column with id "select" the checkbox and one with id "actions" the action; a
 * row that opens a page (`rowHref`) gets an "Open" link as its card's action. From 768 px up, the action
 * column sticks to the right edge and other cells wrap, so a table never scrolls its main action out of view.
 */
import { useEffect, useRef, useState, useTransition } from "react";
import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { flexRender, getCoreRowModel, useReactTable, type Column, type ColumnDef, type RowData } from "@tanstack/react-table";

export type CardPlace = "title" | "subtitle" | "field" | "action" | "select" | "hidden";

declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Where the column goes when the table is shown as cards on a phone (see the comment on DataTable). */
    card?: CardPlace;
    /** The label of the value on a card, when the header is not plain text. */
    label?: string;
  }
}

/** `allLabel` names the no-filter choice when it is not "All" (e.g. a filter whose default is a subset). */
export type FilterDef = { key: string; label: string; options: { value: string; label: string }[]; allLabel?: string };

export type DataTableProps<Row> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<Row, any>[];
  rows: Row[];
  total: number;
  /** The total is a lower bound (the list counts only so far, see server/domain/list.ts): shown as "1,000+". */
  totalCapped?: boolean;
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
  /** The column whose cell carries the row's link (default: the first), e.g. when the first is a checkbox. */
  linkColumn?: string;
  /** On a phone, the words of the link that opens a row's page (`rowHref`), at the bottom of its card. */
  openLabel?: string;
};

// Card layout below md (768 px): each row a bordered card in a two-column grid.
// On a card nothing may be wider than its half of the card: minimum widths made for the table (e.g. a
// `min-w-64` context block) are lifted and long names break anywhere, so the page never scrolls sideways.
const CELL_BASE = "px-4 py-2.5 text-slate-800 max-md:px-0 max-md:py-0 max-md:whitespace-normal max-md:[overflow-wrap:anywhere] max-md:[&_*]:min-w-0";
const CELL_BY_PLACE: Record<CardPlace, string> = {
  title: "max-md:order-1 max-md:col-span-2 max-md:text-base max-md:font-semibold",
  subtitle: "max-md:order-2 max-md:col-span-2 max-md:text-slate-600",
  select: "max-md:order-0 max-md:col-span-2 whitespace-nowrap",
  field:
    "max-md:order-3 max-md:min-w-0 max-md:before:block max-md:before:text-xs max-md:before:font-medium max-md:before:uppercase max-md:before:tracking-wide max-md:before:text-slate-500 max-md:before:content-[attr(data-label)]",
  // Sticks to the right edge from md up (its own background so wrapped cells do not show through).
  action: "max-md:order-4 max-md:col-span-2 max-md:border-t max-md:border-slate-100 max-md:pt-3 md:whitespace-nowrap md:sticky md:right-0 md:bg-white",
  hidden: "max-md:hidden",
};

function placeOf<Row>(column: Column<Row, unknown>, index: number, firstDataIndex: number): CardPlace {
  const set = column.columnDef.meta?.card;
  if (set) return set;
  if (column.id === "select") return "select";
  if (column.id === "actions") return "action";
  return index === firstDataIndex ? "title" : "field";
}

function labelOf<Row>(column: Column<Row, unknown>): string {
  const header = column.columnDef.header;
  return column.columnDef.meta?.label ?? (typeof header === "string" ? header : "");
}

const PAGE_SIZES = [10, 25, 50, 100];

export function DataTable<Row>({ columns, rows, total, totalCapped = false, page, size, sort, dir = "asc", searchPlaceholder, filters = [], emptyMessage = "Nothing to show.", rowHref, label, linkColumn, openLabel = "Open" }: DataTableProps<Row>) {
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

  // A search still waiting for its debounce must not fire after the person has followed a link (a row, the
  // menu): it would push this list's URL over the page they chose. Typing a name and clicking its row within
  // the debounce did exactly that (the form opened, then the list came back).
  useEffect(() => {
    const cancelPendingSearch = (e: MouseEvent) => {
      if (debounce.current && e.target instanceof Element && e.target.closest("a[href]")) {
        clearTimeout(debounce.current);
        debounce.current = null;
      }
    };
    document.addEventListener("click", cancelPendingSearch, true);
    return () => {
      document.removeEventListener("click", cancelPendingSearch, true);
      if (debounce.current) clearTimeout(debounce.current);
    };
  }, []);

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

  const leafColumns = table.getAllLeafColumns();
  const firstDataIndex = Math.max(0, leafColumns.findIndex((c) => (c.columnDef.meta?.card ?? (c.id === "select" ? "select" : null)) !== "select"));
  const places = new Map(leafColumns.map((c, i) => [c.id, placeOf(c, i, firstDataIndex)]));
  const hasSelect = [...places.values()].includes("select");

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

      <div
        data-table-frame
        className={`overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm transition-opacity max-md:overflow-visible max-md:border-0 max-md:bg-transparent max-md:shadow-none ${pending ? "opacity-60" : ""}`}
        aria-busy={pending}
      >
        <table ref={tableRef} className="min-w-full divide-y divide-slate-200 text-sm max-md:block max-md:divide-y-0" aria-label={label}>
          {/* On a phone the head is hidden, except a select-all checkbox, which stays above the cards. */}
          <thead className={`bg-slate-50 ${hasSelect ? "max-md:block max-md:bg-transparent max-md:pb-2" : "max-md:hidden"}`}>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id} className="max-md:flex">
                {hg.headers.map((h) => {
                  const canSort = h.column.getCanSort();
                  const active = sort === h.column.id;
                  const place = places.get(h.column.id);
                  return (
                    <th
                      key={h.id}
                      scope="col"
                      aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined}
                      className={`whitespace-nowrap px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 ${place === "select" ? "max-md:px-0" : "max-md:hidden"} ${place === "action" ? "md:sticky md:right-0 md:bg-slate-50" : ""}`}
                    >
                      {h.isPlaceholder ? null : canSort ? (
                        <button type="button" onClick={() => toggleSort(h.column.id)} className="inline-flex items-center gap-1 uppercase hover:text-slate-900">
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          <span aria-hidden className={active ? "text-slate-900" : "text-slate-400"}>
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
          <tbody className="divide-y divide-slate-100 max-md:block max-md:space-y-3 max-md:divide-y-0">
            {table.getRowModel().rows.length === 0 ? (
              <tr className="max-md:block max-md:rounded-lg max-md:border max-md:border-slate-200 max-md:bg-white">
                <td colSpan={columns.length} className="px-4 py-10 text-center text-sm text-slate-500 max-md:block">
                  {emptyMessage}
                </td>
              </tr>
            ) : (
              table.getRowModel().rows.map((row) => {
                const href = rowHref?.(row.original);
                return (
                  <tr
                    key={row.id}
                    data-card
                    className={`max-md:grid max-md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)] max-md:gap-x-4 max-md:gap-y-2 max-md:rounded-lg max-md:border max-md:border-slate-200 max-md:bg-white max-md:p-4 max-md:shadow-sm ${href ? "group cursor-pointer hover:bg-slate-50" : ""}`}
                    onClick={href ? () => router.push(href) : undefined}
                  >
                    {row.getVisibleCells().map((cell, i) => {
                      const place = places.get(cell.column.id) ?? "field";
                      return (
                        <td key={cell.id} data-label={place === "field" ? labelOf(cell.column) : undefined} className={`${CELL_BASE} ${CELL_BY_PLACE[place]}`}>
                          {href && (linkColumn ? cell.column.id === linkColumn : i === firstDataIndex) ? (
                            <Link href={href} className="font-medium text-brand-700 hover:underline" onClick={(e) => e.stopPropagation()}>
                              {flexRender(cell.column.columnDef.cell, cell.getContext())}
                            </Link>
                          ) : (
                            flexRender(cell.column.columnDef.cell, cell.getContext())
                          )}
                        </td>
                      );
                    })}
                    {href && !places.has("actions") && ![...places.values()].includes("action") && (
                      // A phone has no hover and small rows: the card says plainly how to open it. Not a cell on
                      // wider screens, where the first column's link does this.
                      <td className="hidden max-md:order-4 max-md:col-span-2 max-md:block max-md:border-t max-md:border-slate-100 max-md:pt-3">
                        <Link href={href} data-testid="card-open" className={buttonClass("secondary", "w-full")} onClick={(e) => e.stopPropagation()}>
                          {openLabel}
                        </Link>
                      </td>
                    )}
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
              <span className="font-medium text-slate-900">
                {total.toLocaleString("en-GB")}
                {totalCapped ? "+" : ""}
              </span>
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
            {totalCapped ? "+" : ""}
          </span>
          <button type="button" className="rounded-md border border-slate-300 bg-white px-2.5 py-1 disabled:opacity-40" disabled={page >= pages && !totalCapped} onClick={() => navigate({ page: String(page + 1) }, false)}>
            Next
          </button>
        </div>
      </nav>
    </div>
  );
}
