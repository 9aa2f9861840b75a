"use client";
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Badge, KIND_LABEL, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { Checkbox, Field, Input, Select, Textarea } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import { useFieldValidation } from "@/components/ui/use-field-validation";
import { ZCreateCampaignInput } from "@/server/domain/campaigns/schema";
import { DEFAULT_ACTION, DEFAULT_ACTIONS, RECURRENCE_LABEL, RECURRENCES, STRATEGIES, STRATEGY, plural, type DefaultAction, type Strategy } from "./labels";
import { PeoplePicker, PersonPicker, type Person } from "./people-picker";
import type { CampaignScope } from "./types";

export type SystemOption = { id: string; name: string; ownerName: string };
export type EntitlementOption = { id: string; name: string; systemId: string; risk: string; privileged: boolean };

const KINDS = ["HUMAN", "SERVICE_ACCOUNT", "API_KEY", "OAUTH_APP", "WORKLOAD", "AI_AGENT"] as const;
const NHI_KINDS = KINDS.filter((k) => k !== "HUMAN");
const RISKS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
type Kind = (typeof KINDS)[number];
type Risk = (typeof RISKS)[number];

/** The fields checked in the browser by the server's own schema as the person leaves them (and all on submit). */
const FIELDS = ["name", "description", "fallbackReviewerId", "startsAt", "dueAt"] as const;

const ROUTE: [RegExp, string][] = [
  [/system/i, "scope"],
  [/due/i, "dueAt"],
  [/start/i, "startsAt"],
  [/fallback/i, "fallbackReviewerId"],
  [/named reviewer/i, "namedReviewerIds"],
  [/reminder/i, "reminderDays"],
];

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** "7, 3, 1" → [7, 3, 1]; null when a part is not a whole number of days. */
export function parseReminderDays(text: string): number[] | null {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return null;
    out.push(Number(p));
  }
  return [...new Set(out)].sort((a, b) => b - a);
}

function Fieldset({ legend, hint, children }: { legend: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="space-y-3 rounded-lg border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-900">{legend}</legend>
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
      {children}
    </fieldset>
  );
}

function RadioCard<T extends string>({ name, value, checked, onChange, label, explain }: { name: string; value: T; checked: boolean; onChange: (v: T) => void; label: string; explain: string }) {
  const id = `${name}-${value}`;
  return (
    <label htmlFor={id} className={`flex cursor-pointer items-start gap-3 rounded-md border p-3 ${checked ? "border-brand-500 bg-brand-50/50" : "border-slate-200 hover:bg-slate-50"}`}>
      <input id={id} type="radio" name={name} value={value} checked={checked} onChange={() => onChange(value)} className="mt-0.5 h-4 w-4 border-slate-300 text-brand-600 focus:ring-brand-500" aria-describedby={`${id}-explain`} />
      <span>
        <span className="block text-sm font-medium text-slate-900">{label}</span>
        <span id={`${id}-explain`} className="block text-xs text-slate-600">
          {explain}
        </span>
      </span>
    </label>
  );
}

/**
 * Defines a campaign (draft): scope with a live population preview, reviewer routing, dates, reminders,
 * what happens to undecided items, recurrence. A system owner sees only their own systems. After saving, the
 * campaign's page offers Launch.
 */
/**
 * `defaultFallback`: who is proposed as the fallback reviewer. An admin proposes themselves; a system owner
 * is proposed their manager instead, since a system owner usually holds access in their own systems and the
 * fallback reviewer gets exactly the items nobody else may review.
 */
export function CampaignForm({
  systems,
  entitlements,
  me,
  isAdmin,
  now,
  defaultFallback,
  initial,
}: {
  systems: SystemOption[];
  entitlements: EntitlementOption[];
  me: Person;
  isAdmin: boolean;
  now: string;
  defaultFallback?: Person | null;
  /** Prefilled from the link that opened the form (e.g. a system's onboarding: its first review). */
  initial?: { systemIds: string[]; name: string };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const today = new Date(now);
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState("");
  const [systemIds, setSystemIds] = useState<string[]>(initial?.systemIds.length ? initial.systemIds : isAdmin ? (systems.length === 1 ? [systems[0].id] : []) : systems.map((s) => s.id));
  const [entitlementIds, setEntitlementIds] = useState<string[]>([]);
  const [minRisk, setMinRisk] = useState<Risk | "">("");
  const [privilegedOnly, setPrivilegedOnly] = useState(false);
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [notReviewedForDays, setNotReviewedForDays] = useState("");
  const [strategy, setStrategy] = useState<Strategy>("ENTITLEMENT_OWNER");
  const [named, setNamed] = useState<Person[]>([]);
  const [fallback, setFallback] = useState<Person | null>(defaultFallback === undefined ? me : defaultFallback);
  const [startsOn, setStartsOn] = useState(isoDay(today));
  const [dueOn, setDueOn] = useState(isoDay(new Date(today.getTime() + 14 * DAY)));
  const [reminders, setReminders] = useState("7, 3, 1");
  const [defaultAction, setDefaultAction] = useState<DefaultAction>("KEEP");
  const [recurrence, setRecurrence] = useState<(typeof RECURRENCES)[number]>("");
  const [error, setError] = useState<FormError | null>(null);

  const visibleEntitlements = useMemo(() => entitlements.filter((e) => systemIds.includes(e.systemId)), [entitlements, systemIds]);
  const nDays = notReviewedForDays.trim() === "" ? undefined : Number(notReviewedForDays);
  const scope: CampaignScope = {
    systemIds,
    entitlementIds: entitlementIds.filter((id) => visibleEntitlements.some((e) => e.id === id)),
    ...(minRisk ? { minRisk } : {}),
    privilegedOnly,
    identityKinds: kinds,
    ...(nDays !== undefined ? { notReviewedForDays: nDays } : {}),
  } as CampaignScope;

  // The live population preview follows the scope (debounced).
  const scopeKey = JSON.stringify(scope);
  const [previewScope, setPreviewScope] = useState<CampaignScope | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setPreviewScope(JSON.parse(scopeKey) as CampaignScope), 300);
    return () => clearTimeout(t);
  }, [scopeKey]);
  const preview = useQuery({
    ...trpc.campaigns.previewScope.queryOptions({ scope: previewScope ?? scope }),
    // A system owner's scope must name their systems: with none checked there is nothing to count yet.
    enabled: previewScope !== null && (isAdmin || (previewScope.systemIds?.length ?? 0) > 0),
    placeholderData: keepPreviousData,
  });

  const create = useMutation(
    trpc.campaigns.create.mutationOptions({
      onSuccess: (r) => router.push(`/campaigns/${r.id}`),
      onError: (e) => setError(readFormError(e, ROUTE)),
    }),
  );

  const nhiOnly = kinds.length === NHI_KINDS.length && NHI_KINDS.every((k) => kinds.includes(k));
  const reminderDays = parseReminderDays(reminders);

  function toggle<T>(list: T[], v: T, on: boolean): T[] {
    return on ? [...list, v] : list.filter((x) => x !== v);
  }

  // Exactly what is sent, checked in the browser by the server's own schema as the person fills the form.
  const input = {
    name,
    description,
    scope,
    reviewerStrategy: strategy,
    ...(strategy === "NAMED" ? { namedReviewerIds: named.map((p) => p.id) } : {}),
    fallbackReviewerId: fallback?.id ?? "",
    startsAt: new Date(`${startsOn}T00:00:00.000Z`),
    dueAt: new Date(`${dueOn}T23:59:59.000Z`),
    reminderDays: reminderDays ?? [],
    defaultAction,
    ...(recurrence ? { recurrence } : {}),
  };
  const v = useFieldValidation(ZCreateCampaignInput, input, FIELDS);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!reminderDays) {
      setError({ message: "Reminder days must be whole numbers of days before the due date, separated by commas (e.g. 7, 3, 1).", code: "BAD_REQUEST", fields: { reminderDays: "Whole numbers separated by commas, e.g. 7, 3, 1." } });
      return;
    }
    if (!v.checkAll()) return;
    create.mutate(input as Parameters<typeof create.mutate>[0]);
  }

  // What the browser found first, then what the server said; no fallback reviewer is a choice still to make.
  const f: Record<string, string | undefined> = { ...error?.fields, ...v.errors };
  if (f.fallbackReviewerId && !fallback) f.fallbackReviewerId = "Choose who reviews the items nobody else may review.";
  return (
    <form onSubmit={onSubmit} className="space-y-6" aria-label="New campaign" noValidate>
      {error && <ErrorBanner title="The campaign was not saved">{error.message}</ErrorBanner>}

      <div className="grid gap-4 md:grid-cols-2">
        <Field label="Name" error={f.name} hint="Shown to reviewers, e.g. “Production Database — Q3 access review”.">
          {(a) => <Input {...a} name="name" value={name} onChange={(e) => setName(e.target.value)} onBlur={() => v.blur("name")} maxLength={200} required />}
        </Field>
        <Field label="Description (optional)" error={f.description} hint="Why this review, what reviewers should look for.">
          {(a) => <Textarea {...a} name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} onBlur={() => v.blur("description")} maxLength={2000} />}
        </Field>
      </div>

      <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <Fieldset legend="Scope: which access is reviewed" hint="Every grant in effect that matches all of these filters at launch becomes one review item. Later grant changes do not alter the snapshot.">
          {f.scope && <p className="text-xs font-medium text-red-700">{f.scope}</p>}
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Systems</legend>
            <p className="text-xs text-slate-500">{isAdmin ? "None checked: every system." : "You can review the systems you own."}</p>
            {systems.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">You own no systems, so you cannot define a campaign.</p>
            ) : (
              <div className="mt-2 grid max-h-56 gap-1.5 overflow-y-auto sm:grid-cols-2">
                {systems.map((s) => (
                  <Checkbox key={s.id} label={s.name} hint={`Owner: ${s.ownerName}`} checked={systemIds.includes(s.id)} onChange={(e) => setSystemIds(toggle(systemIds, s.id, e.target.checked))} />
                ))}
              </div>
            )}
          </fieldset>
          {visibleEntitlements.length > 0 && (
            <details className="rounded-md border border-slate-200 p-3" open={entitlementIds.length > 0}>
              <summary className="cursor-pointer text-sm font-medium text-slate-800">
                Entitlements (optional{entitlementIds.length ? `: ${entitlementIds.length} chosen` : ": all of the chosen systems"})
              </summary>
              <div className="mt-2 grid max-h-56 gap-1.5 overflow-y-auto">
                {visibleEntitlements.map((e) => (
                  <div key={e.id} className="flex items-center gap-2">
                    <Checkbox label={e.name} checked={entitlementIds.includes(e.id)} onChange={(ev) => setEntitlementIds(toggle(entitlementIds, e.id, ev.target.checked))} />
                    <RiskBadge risk={e.risk} />
                    {e.privileged && <PrivilegedBadge />}
                  </div>
                ))}
              </div>
            </details>
          )}
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Minimum risk" error={f.minRisk}>
              {(a) => (
                <Select {...a} value={minRisk} onChange={(e) => setMinRisk(e.target.value as Risk | "")}>
                  <option value="">Any risk</option>
                  {RISKS.map((r) => (
                    <option key={r} value={r}>
                      {r.charAt(0) + r.slice(1).toLowerCase()} and above
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label="Not reviewed for (days, optional)" error={f.notReviewedForDays} hint="Only grants with no decision in this many days.">
              {(a) => <Input {...a} type="number" min={1} step={1} inputMode="numeric" value={notReviewedForDays} onChange={(e) => setNotReviewedForDays(e.target.value)} />}
            </Field>
          </div>
          <Checkbox label="Privileged access only" checked={privilegedOnly} onChange={(e) => setPrivilegedOnly(e.target.checked)} />
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Identity kinds</legend>
            <p className="text-xs text-slate-500">None checked: every kind of identity.</p>
            <div className="mt-2">
              <Checkbox label="Non-human identities only" hint="Service accounts, API keys, OAuth apps, workloads and AI agents." checked={nhiOnly} onChange={(e) => setKinds(e.target.checked ? [...NHI_KINDS] : [])} />
            </div>
            <div className="mt-2 grid gap-1.5 sm:grid-cols-3">
              {KINDS.map((k) => (
                <Checkbox key={k} label={KIND_LABEL[k] ?? k} checked={kinds.includes(k)} onChange={(e) => setKinds(toggle(kinds, k, e.target.checked))} />
              ))}
            </div>
          </fieldset>
        </Fieldset>

        <aside aria-live="polite" aria-label="Population preview" className="h-fit rounded-lg border border-slate-200 bg-slate-50 p-4 lg:sticky lg:top-4">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Population now</p>
          {!isAdmin && systemIds.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">Check at least one of your systems to see how many grants are in scope.</p>
          ) : preview.isError ? (
            <p className="mt-1 text-sm text-red-700">{preview.error.message}</p>
          ) : preview.data ? (
            <p className="mt-1 text-3xl font-semibold tabular-nums text-slate-900" data-testid="population-preview">
              {preview.data.count.toLocaleString("en-GB")}
            </p>
          ) : (
            <p className="mt-1 text-sm text-slate-500">Counting…</p>
          )}
          <p className="mt-1 text-xs text-slate-600">
            {preview.data ? `${plural(preview.data.count, "grant")} in effect match this scope today. ` : ""}The launch takes the snapshot and records the count and the exact query.
          </p>
          {preview.isFetching && <p className="mt-1 text-xs text-slate-400">Updating…</p>}
        </aside>
      </div>

      <Fieldset legend="Reviewers" hint="Nobody reviews their own access: such items go to the fallback reviewer, and the routing is recorded.">
        <div role="radiogroup" aria-label="Reviewer strategy" className="grid gap-2 md:grid-cols-2">
          {STRATEGIES.map((s) => (
            <RadioCard key={s} name="strategy" value={s} checked={strategy === s} onChange={setStrategy} label={STRATEGY[s].label} explain={STRATEGY[s].explain} />
          ))}
        </div>
        {strategy === "NAMED" && <PeoplePicker label="Named reviewer" value={named} onChange={setNamed} error={f.namedReviewerIds} />}
        <PersonPicker
          label="Fallback reviewer"
          value={fallback?.id ?? ""}
          onChange={setFallback}
          initial={fallback}
          error={f.fallbackReviewerId}
          hint="Gets items whose reviewer would be the holder, items with no reviewer, and escalations."
        />
      </Fieldset>

      <Fieldset legend="Schedule">
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Starts on" error={f.startsAt}>
            {(a) => <Input {...a} name="startsAt" type="date" value={startsOn} onChange={(e) => setStartsOn(e.target.value)} onBlur={() => v.blur("startsAt")} required />}
          </Field>
          <Field label="Due on" error={f.dueAt} hint="Due at the end of the day (UTC).">
            {(a) => <Input {...a} name="dueAt" type="date" value={dueOn} onChange={(e) => setDueOn(e.target.value)} onBlur={() => v.blur("dueAt")} required />}
          </Field>
          <Field label="Reminder days" error={f.reminderDays} hint="Days before the due date when reviewers with open items are reminded, e.g. 7, 3, 1.">
            {(a) => <Input {...a} value={reminders} onChange={(e) => setReminders(e.target.value)} inputMode="numeric" />}
          </Field>
        </div>
        <Field label="Recurrence" error={f.recurrence} hint="Closing a recurring campaign creates the next one from the same definition (as a draft).">
          {(a) => (
            <Select {...a} value={recurrence} onChange={(e) => setRecurrence(e.target.value as (typeof RECURRENCES)[number])} className="sm:max-w-xs">
              {RECURRENCES.map((r) => (
                <option key={r} value={r}>
                  {RECURRENCE_LABEL[r]}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </Fieldset>

      <Fieldset legend="Items nobody decides by closing">
        <div role="radiogroup" aria-label="Default action for undecided items" className="grid gap-2 md:grid-cols-3">
          {DEFAULT_ACTIONS.map((d) => (
            <RadioCard key={d} name="defaultAction" value={d} checked={defaultAction === d} onChange={setDefaultAction} label={DEFAULT_ACTION[d].label} explain={DEFAULT_ACTION[d].explain} />
          ))}
        </div>
        {defaultAction === "REVOKE" && <Badge tone="amber">Undecided access will be removed when the campaign closes.</Badge>}
      </Fieldset>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Saving…" : "Save draft"}
        </Button>
        <p className="text-xs text-slate-500">Saved as a draft: nothing is sent to reviewers until you launch it.</p>
      </div>
    </form>
  );
}
