"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Field, Input, Select } from "@/components/ui/form";

/**
 * Picks a person, non-human identity or entitlement for a sample request: a search box narrows the list,
 * the select holds the choice (the current choice stays listed whatever the search).
 */
export function SamplePicker({
  label,
  what,
  value,
  onChange,
  hint,
}: {
  label: string;
  what: "identities" | "entitlements";
  value: string;
  onChange: (id: string) => void;
  hint?: string;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const options = useQuery({
    ...trpc.policy.sampleOptions.queryOptions({ q: q || undefined, includeIds: value ? [value] : undefined }),
    placeholderData: keepPreviousData,
  });
  const list = options.data?.[what] ?? [];

  return (
    <fieldset className="space-y-2">
      <legend className="sr-only">{label}</legend>
      <Field label={label} hint={hint}>
        {(p) => (
          <Select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">Choose…</option>
            {options.isPending && <option disabled>Loading…</option>}
            {options.isError && <option disabled>Could not load the list</option>}
            {list.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
                {o.detail ? ` · ${o.detail}` : ""}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Input type="search" aria-label={`Search: ${label}`} placeholder="Search to narrow the list…" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />
    </fieldset>
  );
}
