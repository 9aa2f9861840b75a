"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Field, Input, Select } from "@/components/ui/form";

/**
 * Picks the owner of a system or entitlement among active people: a search box narrows the list, the
 * select (labelled "Owner") holds the choice. `emptyLabel` offers "no own owner" (entitlements: the system owner).
 */
export function OwnerPicker({
  value,
  onChange,
  error,
  emptyLabel,
  hint,
  onBlur,
}: {
  value: string;
  onChange: (id: string) => void;
  error?: string | null;
  emptyLabel?: string;
  hint?: string;
  /** The form's per-field check (components/ui/use-field-validation.ts). */
  onBlur?: () => void;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const people = useQuery({
    ...trpc.catalog.ownerOptions.queryOptions({ q: q || undefined, includeId: value || undefined }),
    placeholderData: keepPreviousData,
  });

  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label="Search people" hint="Type a name or email to narrow the list.">
        {(p) => <Input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label="Owner" error={error} hint={hint}>
        {(p) => (
          <Select {...p} name="ownerId" value={value} onChange={(e) => onChange(e.target.value)} onBlur={onBlur} required={!emptyLabel}>
            {emptyLabel ? <option value="">{emptyLabel}</option> : <option value="">Choose a person…</option>}
            {people.isPending && <option disabled>Loading people…</option>}
            {people.isError && <option disabled>Could not load people</option>}
            {people.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.department ? ` · ${p.department}` : ""}
                {p.email ? ` · ${p.email}` : ""}
              </option>
            ))}
          </Select>
        )}
      </Field>
    </div>
  );
}
