"use client";
import { useEffect, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Checkbox, Field, Input, Select, Textarea } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import { DURATION_MAX_HOURS, JUSTIFICATION_MAX, JUSTIFICATION_MIN, ZSubmitRequestInput } from "@/server/domain/requests/schema";
import { useFieldValidation } from "@/components/ui/use-field-validation";
import type { RequestOutcome } from "@/server/domain/requests/service";
import { formatHours, kindLabel } from "./badges";
import { OutcomePanel } from "./outcome";

type Beneficiary = { id: string; name: string; kind: string; group?: "me" | "nhi" | "report" | "colleague"; hint?: string };

const GROUPS: [NonNullable<Beneficiary["group"]>, string][] = [
  ["me", "Me"],
  ["nhi", "Non-human identities I own"],
  ["report", "My reports"],
  ["colleague", "Colleagues"],
];

const FIELDS = ["beneficiaryId", "justification", "durationHours", "ticketUrl", "incidentRef"] as const;
/** "Justification" + "must be at least 20 characters…" → one plain sentence. */
const said = (label: string, message: string | undefined) => (message ? `${label} ${message}.` : undefined);

const ROUTE: [RegExp, string][] = [
  [/longest duration|hours/i, "durationHours"],
  [/non-human identity only if|cannot request this for|not active \(/, "beneficiaryId"],
];

/**
 * The request form for one entitlement: for me, an NHI I own, a report or a colleague (found by a search; the
 * policy decides, the preview says what it would), why, how long, ticket, emergency. With
 * `extendsGrantId` it asks to extend that grant (the beneficiary is fixed; the justification is asked again).
 */
export function RequestForm({
  entitlement,
  beneficiaries,
  extendsGrantId,
}: {
  entitlement: { id: string; name: string; maxDurationDays: number };
  beneficiaries: Beneficiary[];
  extendsGrantId?: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [beneficiaryId, setBeneficiaryId] = useState(beneficiaries[0]?.id ?? "");
  // Colleagues picked from the search join the list (kept, so switching back and forth works).
  const [picked, setPicked] = useState<Beneficiary[]>([]);
  const options = [...beneficiaries, ...picked.filter((x) => !beneficiaries.some((b) => b.id === x.id))];
  const chosen = options.find((b) => b.id === beneficiaryId);
  const onBehalf = chosen?.group === "report" || chosen?.group === "colleague";
  const [justification, setJustification] = useState("");
  const [amount, setAmount] = useState("3");
  const [unit, setUnit] = useState<"days" | "hours">("days");
  const [ticketUrl, setTicketUrl] = useState("");
  const [emergency, setEmergency] = useState(false);
  const [incidentRef, setIncidentRef] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const [outcome, setOutcome] = useState<RequestOutcome | null>(null);

  const n = Number(amount);
  const durationHours = Number.isFinite(n) && n > 0 ? Math.round(unit === "days" ? n * 24 : n) : NaN;
  const durationOk = Number.isInteger(durationHours) && durationHours >= 1 && durationHours <= DURATION_MAX_HOURS;

  // Ask the policy as the form changes (debounced): the maximum duration, the stages, who would decide.
  const [previewArgs, setPreviewArgs] = useState<{ durationHours: number; emergency: boolean; beneficiaryId: string } | null>(null);
  useEffect(() => {
    if (!durationOk) return;
    const t = setTimeout(() => setPreviewArgs({ durationHours, emergency, beneficiaryId }), 300);
    return () => clearTimeout(t);
  }, [durationHours, durationOk, emergency, beneficiaryId]);
  const preview = useQuery({
    ...trpc.requests.preview.queryOptions({ entitlementId: entitlement.id, beneficiaryId: previewArgs?.beneficiaryId, durationHours: previewArgs?.durationHours ?? 1, emergency: previewArgs?.emergency ?? false }),
    enabled: previewArgs !== null,
  });

  const submit = useMutation(
    trpc.requests.submit.mutationOptions({
      onSuccess: (o) => {
        setOutcome(o);
        router.refresh();
      },
      onError: (e) => setError(readFormError(e, ROUTE)),
    }),
  );

  // Exactly what is sent, checked in the browser by the server's own schema as the person fills the form.
  const input = {
    entitlementId: entitlement.id,
    beneficiaryId,
    justification,
    // What the person typed, in hours (0 or 9,000 is checked as such, so the message names the real rule).
    durationHours: Number.isFinite(n) && amount.trim() !== "" ? Math.round(unit === "days" ? n * 24 : n) : Number.NaN,
    ticketUrl: ticketUrl.trim() || undefined,
    emergency,
    incidentRef: emergency ? incidentRef : undefined,
    ...(extendsGrantId ? { extendsGrantId } : {}),
  };
  const v = useFieldValidation(ZSubmitRequestInput, input, FIELDS);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!v.checkAll()) return;
    submit.mutate(input);
  }

  if (outcome) return <OutcomePanel outcome={outcome} />;

  const fe = error?.fields ?? {};
  // A stale answer is not shown beside a duration that is no longer valid.
  const p = durationOk ? preview.data : undefined;

  return (
    <form onSubmit={onSubmit} className="grid gap-6 lg:grid-cols-[1fr_20rem]" aria-label={extendsGrantId ? "Request an extension" : "Request access"} noValidate>
      <div className="space-y-5">
        {error && <ErrorBanner title="The request was not submitted">{error.message}</ErrorBanner>}
        <Field
          label="Request for"
          error={said("The beneficiary", v.errors.beneficiaryId) ?? fe.beneficiaryId}
          hint={extendsGrantId ? "The holder of the access being extended." : "Yourself, a non-human identity you own, one of your reports, or a colleague found below. The policy decides who may ask for whom."}
        >
          {(a) => (
            <Select {...a} name="beneficiaryId" onBlur={() => v.blur("beneficiaryId")} value={beneficiaryId} disabled={Boolean(extendsGrantId)} onChange={(e) => setBeneficiaryId(e.target.value)}>
              {options.some((b) => b.group) ? (
                GROUPS.map(([g, label]) => {
                  const list = options.filter((b) => b.group === g);
                  return list.length === 0 ? null : (
                    <optgroup key={g} label={label}>
                      {list.map((b) => (
                        <option key={b.id} value={b.id}>
                          {b.name}
                        </option>
                      ))}
                    </optgroup>
                  );
                })
              ) : (
                options.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                  </option>
                ))
              )}
            </Select>
          )}
        </Field>
        {!extendsGrantId && (
          <ColleagueSearch
            onPick={(b) => {
              setPicked((xs) => (xs.some((x) => x.id === b.id) ? xs : [...xs, b]));
              setBeneficiaryId(b.id);
            }}
          />
        )}
        <Field
          label="Justification"
          error={said("Justification", v.errors.justification) ?? fe.justification}
          hint={`What you will do with this access and why (${JUSTIFICATION_MIN}–${JUSTIFICATION_MAX} characters; ${justification.trim().length} so far).`}
        >
          {(a) => <Textarea {...a} name="justification" onBlur={() => v.blur("justification")} rows={4} value={justification} onChange={(e) => setJustification(e.target.value)} maxLength={JUSTIFICATION_MAX} required />}
        </Field>
        <div className="grid gap-4 sm:grid-cols-[8rem_8rem_1fr] sm:items-start">
          <Field label={extendsGrantId ? "Extend by" : "Duration"} error={said("Duration", v.errors.durationHours) ?? fe.durationHours}>
            {(a) => <Input {...a} name="durationHours" onBlur={() => v.blur("durationHours")} type="number" inputMode="numeric" min={1} step={1} value={amount} onChange={(e) => setAmount(e.target.value)} required />}
          </Field>
          <Field label="Unit">
            {(a) => (
              <Select {...a} value={unit} onChange={(e) => setUnit(e.target.value as "days" | "hours")}>
                <option value="days">days</option>
                <option value="hours">hours</option>
              </Select>
            )}
          </Field>
          <p className="pt-7 text-xs text-slate-600" data-testid="duration-limit">
            Catalog maximum: {entitlement.maxDurationDays} days.{" "}
            {p && p.decision.maxDurationHours > 0 && (
              <>
                Policy maximum for this request: <span className="font-medium text-slate-900">{formatHours(p.decision.maxDurationHours)}</span>.
              </>
            )}
          </p>
        </div>
        <Field label="Ticket link (optional)" error={said("Ticket link", v.errors.ticketUrl) ?? fe.ticketUrl} hint="Kept for traceability; the approval is the authority, not the ticket.">
          {(a) => <Input {...a} name="ticketUrl" onBlur={() => v.blur("ticketUrl")} type="url" value={ticketUrl} onChange={(e) => setTicketUrl(e.target.value)} placeholder="https://jira.example.com/browse/OPS-123" maxLength={500} />}
        </Field>
        <div className="space-y-3 rounded-md border border-amber-200 bg-amber-50/50 p-3">
          <Checkbox
            label="Emergency (break-glass)"
            hint="Granted at once for at most 4 hours; security is notified and reviews it within 24 hours."
            checked={emergency}
            onChange={(e) => {
              setEmergency(e.target.checked);
              if (e.target.checked) {
                setUnit("hours");
                setAmount("4");
              }
            }}
          />
          {emergency && (
            <Field label="Incident reference" error={said("Incident reference", v.errors.incidentRef) ?? fe.incidentRef} hint="The incident this is for, e.g. INC-2041.">
              {(a) => <Input {...a} name="incidentRef" onBlur={() => v.blur("incidentRef")} value={incidentRef} onChange={(e) => setIncidentRef(e.target.value)} maxLength={100} required />}
            </Field>
          )}
        </div>
        <Button type="submit" disabled={submit.isPending}>
          {submit.isPending ? "Submitting…" : emergency ? "Request emergency access" : extendsGrantId ? "Request extension" : "Submit request"}
        </Button>
      </div>

      <aside className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" aria-label="What the policy says" data-testid="policy-preview">
        <h2 className="font-semibold text-slate-900">What the policy says</h2>
        {!durationOk && <p className="text-slate-500">Enter a duration to see what happens.</p>}
        {durationOk && preview.isPending && <p className="text-slate-500">Asking the policy…</p>}
        {preview.error && <p className="text-red-700">{preview.error.message}</p>}
        {p && !p.decision.allowed && (
          <>
            <p className="font-medium text-red-700">This request would be denied:</p>
            <ul className="list-disc pl-5 text-red-800">
              {p.decision.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </>
        )}
        {p && p.decision.allowed && p.decision.autoApproved && <p className="text-emerald-800">Granted at once. {p.decision.reasons.join(" ")}</p>}
        {p && p.decision.allowed && !p.decision.autoApproved && (
          <>
            <p className="text-slate-700">Needs {p.stages.length === 1 ? "one approval" : `${p.stages.length} approvals, in order`}:</p>
            <ol className="list-decimal space-y-1 pl-5">
              {p.stages.map((s) => (
                <li key={s.id}>
                  <span className="font-medium">{kindLabel(s.kind)}</span>: {s.eligible.map((x) => x.name).join(", ") || "nobody eligible"}
                  {s.fallback && <span className="text-amber-700"> (fallback)</span>}
                </li>
              ))}
            </ol>
          </>
        )}
        {p && onBehalf && chosen && (
          <p className="text-xs text-slate-600" data-testid="on-behalf-note">
            You are asking on behalf of {chosen.name}
            {chosen.group === "report" ? " (your report)" : " (a colleague)"}; they are told you asked, and approvers see who asked for whom.
          </p>
        )}
        {p && <p className="pt-1 text-xs text-slate-500">Policy version {p.decision.policyVersion}</p>}
      </aside>
    </form>
  );
}

/**
 * "Someone else in my department": a search of active colleagues (2+ characters, debounced). Picking one
 * adds them to "Request for" and chooses them; the preview then says what the policy would do.
 */
function ColleagueSearch({ onPick }: { onPick: (b: Beneficiary) => void }) {
  const trpc = useTRPC();
  const [q, setQ] = useState("");
  const [term, setTerm] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setTerm(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  const found = useQuery({ ...trpc.requests.searchBeneficiaries.queryOptions({ q: term }), enabled: term.length >= 2 });
  const list = term.length >= 2 ? (found.data ?? []) : [];
  return (
    <div className="space-y-2">
      <Field label="Find a colleague" hint="Someone in your department, by name or email. Their manager approves a request you make for them.">
        {(a) => <Input {...a} type="search" name="colleague" autoComplete="off" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. Tom" maxLength={100} />}
      </Field>
      {term.length >= 2 && (
        <div aria-live="polite">
          {found.isPending ? (
            <p className="text-xs text-slate-500">Searching…</p>
          ) : list.length === 0 ? (
            <p className="text-xs text-slate-500">Nobody in your department matches “{term}”.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label="Colleagues found">
              {list.map((b) => (
                <li key={b.id}>
                  <button
                    type="button"
                    className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-left text-sm text-slate-800 hover:border-brand-500 hover:bg-brand-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
                    onClick={() => {
                      onPick(b);
                      setQ("");
                    }}
                  >
                    Request for {b.name}
                    {b.hint && <span className="block text-xs text-slate-500">{b.hint}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
