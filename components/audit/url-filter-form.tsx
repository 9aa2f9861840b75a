"use client";
/**
 * A small filter form whose state lives in the URL (like the DataTable's): submitting pushes the values as
 * search params (empty ones removed, page reset) so the server page re-renders and the view can be shared.
 */
import { useState, useTransition, type ReactNode } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Field, Input, Select } from "@/components/ui/form";
import { Button } from "@/components/ui/button";
import { IdentitySearch } from "./identity-search";

export type FilterField =
  | { key: string; label: string; type: "date" | "text"; placeholder?: string; hint?: string; required?: boolean }
  | { key: string; label: string; type: "select"; options: { value: string; label: string }[]; placeholder?: string; hint?: string; required?: boolean }
  | { key: string; label: string; type: "identity"; initialName?: string | null; hint?: string; required?: boolean };

export function UrlFilterForm({ fields, submitLabel = "Apply", extra, keep = [] }: { fields: FilterField[]; submitLabel?: string; extra?: ReactNode; keep?: string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.key, params.get(f.key) ?? ""])));
  const set = (k: string, v: string) => setValues((old) => ({ ...old, [k]: v }));

  function submit(next: Record<string, string>) {
    const sp = new URLSearchParams();
    // Keep the table's own state (sort, size, other filters) unless this form owns the key.
    for (const [k, v] of params.entries()) if (!fields.some((f) => f.key === k) && k !== "page" && (keep.length === 0 || keep.includes(k))) sp.set(k, v);
    for (const [k, v] of Object.entries(next)) if (v.trim()) sp.set(k, v.trim());
    const qs = sp.toString();
    startTransition(() => router.push(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  }

  const empty = Object.fromEntries(fields.map((f) => [f.key, ""]));
  const hasAny = fields.some((f) => params.get(f.key));
  return (
    <form
      className="mb-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      onSubmit={(e) => {
        e.preventDefault();
        submit(values);
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {fields.map((f) =>
          f.type === "identity" ? (
            <div key={f.key} className="sm:col-span-2">
              <IdentitySearch label={f.label} value={values[f.key] ?? ""} initialName={f.initialName ?? null} onChange={(id) => set(f.key, id)} hint={f.hint} />
            </div>
          ) : (
            <Field key={f.key} label={f.label} hint={f.hint}>
              {(p) =>
                f.type === "select" ? (
                  <Select {...p} value={values[f.key] ?? ""} required={f.required} onChange={(e) => set(f.key, e.target.value)}>
                    <option value="">{f.placeholder ?? "Any"}</option>
                    {f.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <Input {...p} type={f.type} value={values[f.key] ?? ""} required={f.required} placeholder={f.placeholder} onChange={(e) => set(f.key, e.target.value)} />
                )
              }
            </Field>
          ),
        )}
      </div>
      <div className="mt-4 flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Loading…" : submitLabel}
        </Button>
        {hasAny && (
          <Button
            variant="secondary"
            onClick={() => {
              setValues(empty);
              submit(empty);
            }}
          >
            Clear
          </Button>
        )}
        {extra}
      </div>
    </form>
  );
}
