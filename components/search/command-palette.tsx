"use client";
/**
 * Global search (Cmd/Ctrl-K, or the header's Search button): people, systems, entitlements, requests and
 * campaigns, as the server's search.global shows them to this person. Arrow keys move, Enter opens, Escape
 * closes and gives focus back to where it was.
 */
import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { useTRPC } from "@/components/trpc/client";
import { SEARCH_MAX, SEARCH_MIN, type SearchKind } from "@/server/domain/search/schema";

const GROUPS: { kind: SearchKind; label: string }[] = [
  { kind: "people", label: "People" },
  { kind: "systems", label: "Systems" },
  { kind: "entitlements", label: "Entitlements" },
  { kind: "requests", label: "Requests" },
  { kind: "campaigns", label: "Campaigns" },
];

/** The term the server is asked about, a moment after the last keystroke. */
function useSettled(value: string, ms: number) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export function CommandPalette() {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const opener = useRef<HTMLElement | null>(null);
  const term = useSettled(text.trim(), 200);
  const ready = term.length >= SEARCH_MIN && term.length <= SEARCH_MAX;
  const results = useQuery({ ...trpc.search.global.queryOptions({ q: term }), enabled: open && ready });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => {
          if (!o) opener.current = document.activeElement as HTMLElement | null;
          return !o;
        });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const close = () => {
    setOpen(false);
    setText("");
    opener.current?.focus();
  };
  const go = (href: string) => {
    setOpen(false);
    setText("");
    router.push(href);
  };

  const data = ready ? results.data : undefined;
  const empty = data && GROUPS.every((g) => data[g.kind].length === 0);

  return (
    <>
      <button
        type="button"
        onClick={(e) => {
          opener.current = e.currentTarget;
          setOpen(true);
        }}
        className="flex items-center gap-2 rounded-md border border-slate-300 px-2.5 py-1.5 text-sm text-slate-600 hover:bg-slate-50"
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="open-search"
      >
        <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="h-4 w-4">
          <path fillRule="evenodd" d="M8.5 3a5.5 5.5 0 1 0 3.4 9.8l3.7 3.7a.75.75 0 1 0 1-1.1l-3.6-3.7A5.5 5.5 0 0 0 8.5 3Zm-4 5.5a4 4 0 1 1 8 0 4 4 0 0 1-8 0Z" clipRule="evenodd" />
        </svg>
        <span className="sr-only sm:not-sr-only">Search</span>
        <kbd className="hidden rounded border border-slate-300 px-1 text-[10px] text-slate-500 sm:inline">Ctrl K</kbd>
      </button>
      {open && (
        <div className="fixed inset-0 z-50 flex items-start justify-center bg-slate-900/40 px-3 pt-[10vh]" onMouseDown={(e) => e.target === e.currentTarget && close()}>
          <div role="dialog" aria-modal="true" aria-label="Search Warrant" className="w-full max-w-xl overflow-hidden rounded-lg border border-slate-200 bg-white shadow-xl">
            <Command
              shouldFilter={false}
              label="Search Warrant"
              onKeyDown={(e) => {
                if (e.key === "Escape") {
                  e.preventDefault();
                  close();
                }
              }}
            >
              <Command.Input
                autoFocus
                value={text}
                onValueChange={setText}
                maxLength={SEARCH_MAX}
                placeholder="Search people, systems, entitlements, requests, campaigns…"
                className="w-full border-b border-slate-200 px-4 py-3 text-sm text-slate-900 outline-none placeholder:text-slate-500"
              />
              <Command.List className="max-h-[60vh] overflow-y-auto p-2">
                {!ready && <p className="px-2 py-3 text-sm text-slate-600">Type at least {SEARCH_MIN} characters.</p>}
                {ready && results.isFetching && !data && <Command.Loading>Searching…</Command.Loading>}
                {ready && results.isError && <p className="px-2 py-3 text-sm text-red-700">Search failed: {results.error.message}</p>}
                {empty && <p className="px-2 py-3 text-sm text-slate-600">Nothing found for “{term}”.</p>}
                {data &&
                  GROUPS.filter((g) => data[g.kind].length > 0).map((g) => (
                    <Command.Group key={g.kind} heading={g.label} className="mb-1 [&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:text-slate-600">
                      {data[g.kind].map((hit) => (
                        <Command.Item
                          key={`${g.kind}:${hit.id}`}
                          value={`${g.kind}:${hit.id}`}
                          onSelect={() => go(hit.href)}
                          className="flex cursor-pointer flex-col rounded-md px-2 py-1.5 text-sm data-[selected=true]:bg-brand-50 data-[selected=true]:text-brand-800"
                        >
                          <span className="font-medium text-slate-900">{hit.title}</span>
                          {hit.detail && <span className="text-xs text-slate-600">{hit.detail}</span>}
                        </Command.Item>
                      ))}
                    </Command.Group>
                  ))}
              </Command.List>
            </Command>
          </div>
        </div>
      )}
    </>
  );
}
