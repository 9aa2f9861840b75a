"use client";
/** Start an evidence-pack export: a period (days, UTC, both included) and a scope (all systems, some, or one campaign). */
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import type { TStartExport } from "@/server/domain/evidence-exports/schema";

export type ExportFormOptions = {
  systems: { id: string; name: string }[];
  campaigns: { id: string; name: string; status: string }[];
};

type Scope = "all" | "systems" | "campaign";

const ROUTE: [RegExp, string][] = [
  [/period|days/i, "from"],
  [/system/i, "systems"],
  [/campaign/i, "campaignId"],
];

export function ExportForm({ options, defaultFrom, defaultTo }: { options: ExportFormOptions; defaultFrom: string; defaultTo: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [from, setFrom] = useState(defaultFrom);
  const [to, setTo] = useState(defaultTo);
  const [scope, setScope] = useState<Scope>("all");
  const [systems, setSystems] = useState<string[]>([]);
  const [campaignId, setCampaignId] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const [started, setStarted] = useState<string | null>(null);

  const start = useMutation(
    trpc.evidence.startExport.mutationOptions({
      onSuccess: async (res) => {
        setError(null);
        setStarted(res.id);
        await queryClient.invalidateQueries({ queryKey: trpc.evidence.myExports.queryKey() });
      },
      onError: (e) => {
        setStarted(null);
        setError(readFormError(e, ROUTE));
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!from) fields.from = "Choose the first day of the period.";
    if (!to) fields.to = "Choose the last day of the period.";
    if (from && to && from > to) fields.to = "The period must end on or after the day it starts.";
    if (scope === "systems" && systems.length === 0) fields.systems = "Choose at least one system, or export all systems.";
    if (scope === "campaign" && !campaignId) fields.campaignId = "Choose a campaign.";
    if (Object.keys(fields).length) {
      setError({ message: "Check the highlighted fields.", code: null, fields });
      return;
    }
    const input: TStartExport = { from, to };
    if (scope === "systems") input.systems = systems;
    if (scope === "campaign") input.campaignId = campaignId;
    start.mutate(input);
  };

  const toggle = (id: string) => setSystems((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <form aria-label="Export an evidence pack" onSubmit={submit} className="space-y-4" noValidate>
      {error && !Object.keys(error.fields).length && <ErrorBanner title="The export could not start">{error.message}</ErrorBanner>}
      {error && Object.keys(error.fields).length > 0 && error.message !== "Check the highlighted fields." && (
        <ErrorBanner title="The export could not start">{error.message}</ErrorBanner>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="From" hint="First day of the period (UTC)." error={error?.fields.from}>
          {(p) => <Input {...p} type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} required />}
        </Field>
        <Field label="To" hint="Last day of the period, included. At most two years." error={error?.fields.to}>
          {(p) => <Input {...p} type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} required />}
        </Field>
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Scope</legend>
        {(
          [
            ["all", "All systems", "Everything in the period."],
            ["systems", "Selected systems", "Only grants, requests and reviews of these systems."],
            ["campaign", "One access review campaign", "The campaign's population, decisions and revocations."],
          ] as const
        ).map(([value, label, explain]) => (
          <label key={value} className="flex cursor-pointer items-start gap-2 text-sm">
            <input type="radio" name="scope" value={value} checked={scope === value} onChange={() => setScope(value)} className="mt-0.5 h-4 w-4 text-brand-600 focus:ring-brand-500" />
            <span>
              <span className="font-medium text-slate-800">{label}</span> <span className="text-slate-500">— {explain}</span>
            </span>
          </label>
        ))}
      </fieldset>

      {scope === "systems" && (
        <fieldset className="space-y-1" aria-describedby={error?.fields.systems ? "evidence-systems-error" : undefined}>
          <legend className="text-sm font-medium text-slate-800">Systems</legend>
          {options.systems.length === 0 ? (
            <p className="text-sm text-slate-500">There are no systems in the catalog yet.</p>
          ) : (
            <div className="max-h-48 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2">
              {options.systems.map((s) => (
                <label key={s.id} className="flex items-center gap-2 text-sm text-slate-800">
                  <input type="checkbox" checked={systems.includes(s.id)} onChange={() => toggle(s.id)} className="h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500" />
                  {s.name}
                </label>
              ))}
            </div>
          )}
          {error?.fields.systems && (
            <p id="evidence-systems-error" className="text-xs font-medium text-red-700">
              {error.fields.systems}
            </p>
          )}
        </fieldset>
      )}

      {scope === "campaign" && (
        <Field label="Campaign" error={error?.fields.campaignId} hint={options.campaigns.length ? undefined : "No campaign has been launched yet."}>
          {(p) => (
            <Select {...p} value={campaignId} onChange={(e) => setCampaignId(e.target.value)}>
              <option value="">Choose a campaign…</option>
              {options.campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.status.toLowerCase()})
                </option>
              ))}
            </Select>
          )}
        </Field>
      )}

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={start.isPending}>
          {start.isPending ? "Starting…" : "Start export"}
        </Button>
        <p aria-live="polite" className="text-sm text-slate-600" data-testid="export-started">
          {started ? "Export queued: follow its progress below." : ""}
        </p>
      </div>
    </form>
  );
}
