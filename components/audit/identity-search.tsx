"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Field, Input, Select } from "@/components/ui/form";

/** Picks any identity (person or non-human, any status): a search box narrows the list, the select holds the id. */
export function IdentitySearch({ label, value, initialName, onChange, hint }: { label: string; value: string; initialName: string | null; onChange: (id: string) => void; hint?: string }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const people = useQuery({ ...trpc.identities.list.queryOptions({ q: q || undefined, size: 50, sort: "displayName" }), placeholderData: keepPreviousData });
  const options = (people.data?.rows ?? []).map((r) => ({ id: r.id, name: r.displayName, detail: r.email ?? r.kind }));
  if (value && !options.some((o) => o.id === value)) options.unshift({ id: value, name: initialName ?? value, detail: "" });
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label={`Search (${label.toLowerCase()})`} hint={hint ?? "Type a name or email to narrow the list."}>
        {(p) => <Input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={label}>
        {(p) => (
          <Select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">Anyone</option>
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
