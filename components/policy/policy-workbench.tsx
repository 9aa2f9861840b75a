"use client";
import { useId, useRef, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, ErrorBanner, ReloadLink, NoticeBanner } from "@/components/ui/card";
import { Checkbox, Field, Input } from "@/components/ui/form";
import { readFormError, type FormError } from "@/components/catalog/form-errors";
import type { PolicyProblem } from "@/server/domain/policy/cedar";
import type { PolicyDecision } from "@/server/domain/policy/types";
import { MAX_SAMPLE_HOURS } from "@/server/domain/policy/schema";
import { PolicyEditor, type PolicyEditorHandle } from "./policy-editor";
import { SamplePicker } from "./sample-picker";

type Check = { ok: true; policyIds: string[] } | { ok: false; errors: PolicyProblem[] } | null;

const STAGE_LABEL: Record<string, string> = { MANAGER: "Manager", OWNER: "Entitlement owner", SECURITY: "Security", NHI_OWNER: "NHI owner" };

function hours(h: number): string {
  if (h === 0) return "none";
  if (h % 24 === 0) return `${h} h (${h / 24} ${h === 24 ? "day" : "days"})`;
  return `${h} h`;
}

/**
 * Edit (admins), validate and try the approval policy. The draft lives in the browser until an admin saves
 * it as a new version; "Try" evaluates it against a sample request with the real facts and saves nothing.
 * Readers without ADMIN see the text read-only and can try the version in force.
 */
export function PolicyWorkbench({
  initialText,
  currentVersion,
  canSave,
  me,
}: {
  initialText: string;
  currentVersion: number;
  canSave: boolean;
  me: { id: string };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const editorId = useId();
  const editor = useRef<PolicyEditorHandle>(null);
  const [text, setText] = useState(initialText);
  const [check, setCheck] = useState<Check>(null);
  const [checkedText, setCheckedText] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [saveError, setSaveError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState<number | null>(null);

  const [requesterId, setRequesterId] = useState(me.id);
  const [beneficiaryId, setBeneficiaryId] = useState(me.id);
  const [entitlementId, setEntitlementId] = useState("");
  const [duration, setDuration] = useState("24");
  const [emergency, setEmergency] = useState(false);
  const [tryError, setTryError] = useState<FormError | null>(null);

  const dirty = text !== initialText;
  const showCheck = check && checkedText === text;

  const validate = useMutation(trpc.policy.validate.mutationOptions());
  const tryIt = useMutation(trpc.policy.try.mutationOptions());
  const save = useMutation(trpc.policy.save.mutationOptions());

  async function runValidate(): Promise<boolean> {
    try {
      const res = await validate.mutateAsync({ text });
      setCheck(res);
      setCheckedText(text);
      return res.ok;
    } catch (err) {
      setCheck({ ok: false, errors: [{ message: readFormError(err).message }] });
      setCheckedText(text);
      return false;
    }
  }

  async function onTry(e: FormEvent) {
    e.preventDefault();
    setTryError(null);
    const durationHours = Number(duration);
    if (!requesterId || !beneficiaryId || !entitlementId) {
      setTryError({ message: "Choose a requester, a beneficiary and an entitlement.", code: "BAD_REQUEST", fields: {} });
      return;
    }
    if (!Number.isInteger(durationHours) || durationHours < 1 || durationHours > MAX_SAMPLE_HOURS) {
      setTryError({ message: `Duration: a whole number of hours between 1 and ${MAX_SAMPLE_HOURS}.`, code: "BAD_REQUEST", fields: { durationHours: "Whole hours, 1 to 8760" } });
      return;
    }
    try {
      const res = await tryIt.mutateAsync({ text, sample: { requesterId, beneficiaryId, entitlementId, durationHours, emergency } });
      if (!res.ok) {
        setCheck(res);
        setCheckedText(text);
      } else if (checkedText !== text) {
        setCheck(null);
      }
    } catch (err) {
      setTryError(readFormError(err));
    }
  }

  async function onSave(e: FormEvent) {
    e.preventDefault();
    setSaveError(null);
    setSaved(null);
    if (note.trim().length < 3) {
      setSaveError({ message: "Add a note: say what changed and why.", code: "BAD_REQUEST", fields: { note: "Required: say what changed and why" } });
      return;
    }
    if (!(await runValidate())) {
      setSaveError({ message: "Fix the problems listed under the editor first; nothing was saved.", code: "BAD_REQUEST", fields: {} });
      return;
    }
    try {
      const v = await save.mutateAsync({ text, note, expectedVersion: currentVersion });
      setSaved(v.version);
      setNote("");
      router.refresh();
    } catch (err) {
      setSaveError(readFormError(err));
    }
  }

  const errorLines = showCheck && !check.ok ? check.errors.map((x) => x.line).filter((l): l is number => typeof l === "number") : [];
  const result = tryIt.data?.ok ? tryIt.data : null;
  const staleResult = tryIt.data?.ok && tryIt.variables?.text !== text;

  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <Card
        title={canSave ? "Edit the policy" : `Version ${currentVersion} (read-only)`}
        actions={
          <>
            {dirty && <Badge tone="amber">Unsaved draft</Badge>}
            {canSave && dirty && (
              <Button variant="ghost" onClick={() => setText(initialText)}>
                Discard changes
              </Button>
            )}
            <Button variant="secondary" onClick={() => void runValidate()} disabled={validate.isPending}>
              {validate.isPending ? "Validating…" : "Validate"}
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          <label htmlFor={editorId} className="block text-sm font-medium text-slate-800">
            Policy text (Cedar)
          </label>
          <PolicyEditor
            ref={editor}
            id={editorId}
            value={text}
            onChange={canSave ? setText : undefined}
            readOnly={!canSave}
            errorLines={errorLines}
            describedBy={`${editorId}-check`}
            invalid={Boolean(showCheck && !check.ok)}
          />
          <div id={`${editorId}-check`} aria-live="polite">
            {showCheck && check.ok && (
              <p className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800" data-testid="policy-valid">
                Valid: {check.policyIds.length} {check.policyIds.length === 1 ? "policy" : "policies"}, checked against the schema.
              </p>
            )}
            {showCheck && !check.ok && (
              <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="policy-errors">
                <p className="font-medium">
                  {check.errors.length === 1 ? "1 problem" : `${check.errors.length} problems`}: the policy cannot be saved as it is.
                </p>
                <ul className="mt-1 space-y-1">
                  {check.errors.map((x, i) => (
                    <li key={i} className="flex flex-wrap items-baseline gap-x-2">
                      {x.policyId && <code className="rounded bg-red-100 px-1 text-xs">{x.policyId}</code>}
                      <span>{x.message}</span>
                      {x.line && (
                        <button type="button" className="text-xs font-medium underline" onClick={() => editor.current?.goToLine(x.line!)}>
                          Go to line {x.line}
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>

          {canSave && (
            <form onSubmit={onSave} className="space-y-3 border-t border-slate-200 pt-4" aria-label="Save as a new version" noValidate>
              {saveError && (
                <ErrorBanner title="The policy was not saved">
                  {saveError.message}
                  {saveError.code === "CONFLICT" && <ReloadLink />}
                </ErrorBanner>
              )}
              {saved !== null && <NoticeBanner>Saved as version {saved}. It is in force for new requests from now on.</NoticeBanner>}
              <Field label="Note for this version" error={saveError?.fields.note} hint="What changed and why. Shown in the history and recorded in the evidence ledger.">
                {(p) => <Input {...p} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} required />}
              </Field>
              <Button type="submit" disabled={save.isPending || validate.isPending || !dirty}>
                {save.isPending ? "Saving…" : `Save as version ${currentVersion + 1}`}
              </Button>
              {!dirty && <p className="text-xs text-slate-500">Edit the text to save a new version.</p>}
            </form>
          )}
        </div>
      </Card>

      <Card title={dirty ? "Try the draft" : `Try version ${currentVersion}`}>
        <form onSubmit={onTry} className="space-y-4" aria-label="Try against a sample request" noValidate>
          <p className="text-sm text-slate-600">
            Evaluate {dirty ? "the draft" : "the policy"} for a sample request, using what Warrant knows now (who owns what, what the beneficiary already holds). Nothing is saved or requested.
          </p>
          <SamplePicker label="Requester" what="identities" value={requesterId} onChange={setRequesterId} />
          <SamplePicker label="Beneficiary" what="identities" value={beneficiaryId} onChange={setBeneficiaryId} hint="The requester themselves, a non-human identity, or another person (the policy decides who may ask for whom)." />
          <SamplePicker label="Entitlement" what="entitlements" value={entitlementId} onChange={setEntitlementId} />
          <div className="grid grid-cols-2 items-end gap-4">
            <Field label="Duration (hours)" error={tryError?.fields.durationHours}>
              {(p) => <Input {...p} type="number" min={1} max={MAX_SAMPLE_HOURS} step={1} inputMode="numeric" value={duration} onChange={(e) => setDuration(e.target.value)} />}
            </Field>
            <Checkbox label="Emergency" hint="Break-glass request" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} />
          </div>
          {tryError && <ErrorBanner title="Could not try the policy">{tryError.message}</ErrorBanner>}
          <Button type="submit" disabled={tryIt.isPending}>
            {tryIt.isPending ? "Evaluating…" : "Try"}
          </Button>
        </form>
        {tryIt.data && !tryIt.data.ok && (
          <p className="mt-4 text-sm text-red-700">The text has problems (listed under the editor), so it cannot be tried.</p>
        )}
        {result && (
          <div className="mt-5 space-y-4 border-t border-slate-200 pt-4" aria-live="polite" data-testid="try-result">
            {staleResult && <NoticeBanner>The text changed since this result: try again to evaluate the new draft.</NoticeBanner>}
            <DecisionView title={dirty || staleResult ? "Draft" : `Version ${currentVersion}`} decision={result.decision} />
            {result.current && (dirty || staleResult) && <DecisionView title={`Version ${result.current.policyVersion} in force`} decision={result.current} compact />}
            {result.input.facts.conflictingHeld.length > 0 && (
              <p className="text-xs text-slate-600">Conflicting access held or pending: {result.input.facts.conflictingHeld.join(", ")}</p>
            )}
          </div>
        )}
      </Card>
    </div>
  );
}

function DecisionView({ title, decision, compact = false }: { title: string; decision: PolicyDecision; compact?: boolean }) {
  const verdict = decision.error ? (
    <Badge tone="red">Evaluation failed: denied</Badge>
  ) : !decision.allowed ? (
    <Badge tone="red">Denied</Badge>
  ) : decision.autoApproved ? (
    <Badge tone="green">Allowed · approved at once</Badge>
  ) : (
    <Badge tone="blue">Allowed · needs approval</Badge>
  );
  return (
    <section className={compact ? "rounded-md border border-slate-200 bg-slate-50 p-3" : ""} aria-label={`${title}: decision`}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        {verdict}
      </div>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500">{decision.allowed ? "Why" : "Reasons"}</dt>
        <dd>
          <ul className="list-disc space-y-0.5 pl-4 text-slate-800">
            {decision.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </dd>
        {!compact && (
          <>
            <dt className="text-slate-500">Stages</dt>
            <dd className="flex flex-wrap gap-1">
              {decision.stages.length ? (
                decision.stages.map((s, i) => (
                  <Badge key={s} tone="slate">
                    {i + 1}. {STAGE_LABEL[s] ?? s}
                  </Badge>
                ))
              ) : (
                <span className="text-slate-500">{decision.autoApproved ? "None: approved at once" : "None"}</span>
              )}
            </dd>
          </>
        )}
        {compact && decision.stages.length > 0 && (
          <>
            <dt className="text-slate-500">Stages</dt>
            <dd className="text-slate-800">{decision.stages.map((s) => STAGE_LABEL[s] ?? s).join(" → ")}</dd>
          </>
        )}
        <dt className="text-slate-500">Longest allowed</dt>
        <dd className="text-slate-800">{hours(decision.maxDurationHours)}</dd>
        {!compact && (
          <>
            <dt className="text-slate-500">Determining</dt>
            <dd className="flex flex-wrap gap-1">
              {decision.determining.length ? (
                decision.determining.map((id) => (
                  <code key={id} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-800">
                    {id}
                  </code>
                ))
              ) : (
                <span className="text-slate-500">—</span>
              )}
            </dd>
            <dt className="text-slate-500">Input hash</dt>
            <dd className="truncate font-mono text-xs text-slate-600" title={decision.inputHash}>
              {decision.inputHash.slice(0, 16)}…
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
