"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Field, Input, Select } from "@/components/ui/form";
import { Button } from "@/components/ui/button";

export type Person = { id: string; name: string; detail?: string | null };

function usePeople(q: string) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.identities.list.queryOptions({ kind: "HUMAN", status: "ACTIVE", q: q || undefined, size: 50, sort: "displayName" }),
    placeholderData: keepPreviousData,
  });
}

function useDebounced(value: string, ms = 250) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value.trim()), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * Picks one active person: a search box narrows the list (name or email), the select labelled `label`
 * holds the choice. `initial` is shown even when it is not among the search results.
 */
export function PersonPicker({
  label,
  value,
  onChange,
  error,
  hint,
  initial,
  excludeIds = [],
}: {
  label: string;
  value: string;
  onChange: (p: Person | null) => void;
  error?: string | null;
  hint?: string;
  initial?: Person | null;
  excludeIds?: string[];
}) {
  const [search, setSearch] = useState("");
  const q = useDebounced(search);
  const people = usePeople(q);
  const options: Person[] = (people.data?.rows ?? [])
    .map((r) => ({ id: r.id, name: r.displayName, detail: [r.department, r.email].filter(Boolean).join(" · ") }))
    .filter((p) => !excludeIds.includes(p.id));
  if (initial && value === initial.id && !options.some((o) => o.id === initial.id)) options.unshift(initial);
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label={`Search people (${label.toLowerCase()})`} hint="Type a name or email to narrow the list.">
        {(p) => <Input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={label} error={error} hint={hint}>
        {(p) => (
          <Select
            {...p}
            value={value}
            onChange={(e) => {
              const hit = options.find((o) => o.id === e.target.value);
              onChange(hit ?? null);
            }}
          >
            <option value="">Choose a person…</option>
            {people.isPending && <option disabled>Loading people…</option>}
            {people.isError && <option disabled>Could not load people</option>}
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
                {o.detail ? ` · ${o.detail}` : ""}
              </option>
            ))}
          </Select>
        )}
      </Field>
    </div>
  );
}

/** Picks several people (named reviewers): a person picker and an "Add" button, chosen people as removable chips. */
export function PeoplePicker({ label, value, onChange, error }: { label: string; value: Person[]; onChange: (p: Person[]) => void; error?: string | null }) {
  const [pick, setPick] = useState<Person | null>(null);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-3">
        <div className="min-w-0 flex-1">
          <PersonPicker label={label} value={pick?.id ?? ""} onChange={setPick} error={error} initial={pick} excludeIds={value.map((v) => v.id)} />
        </div>
        <Button
          variant="secondary"
          disabled={!pick}
          onClick={() => {
            if (pick) onChange([...value, pick]);
            setPick(null);
          }}
        >
          Add reviewer
        </Button>
      </div>
      {value.length > 0 ? (
        <ul className="flex flex-wrap gap-2" aria-label="Named reviewers">
          {value.map((p) => (
            <li key={p.id} className="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-3 pr-1 text-sm text-slate-800 ring-1 ring-inset ring-slate-200">
              {p.name}
              <button type="button" aria-label={`Remove ${p.name}`} className="rounded-full px-1.5 text-slate-500 hover:bg-slate-200 hover:text-slate-900" onClick={() => onChange(value.filter((v) => v.id !== p.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-xs text-slate-500">No reviewers named yet.</p>
      )}
    </div>
  );
}
