"use client";
import { useState, useTransition, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button, buttonClass } from "@/components/ui/button";
import { ErrorBanner, ReloadLink } from "@/components/ui/card";
import { Checkbox, Field, Input, Select, Textarea } from "@/components/ui/form";
import { durationProblem, MAX_DURATION_DAYS, PRIVILEGED_MAX_DURATION_DAYS, RISK_LABEL, RISK_LEVELS, ZCreateEntitlementInput } from "@/server/domain/catalog/schema";
import { useFieldValidation } from "@/components/ui/use-field-validation";
import { OwnerPicker } from "./owner-picker";
import { readFormError, type FormError } from "./form-errors";

type Risk = (typeof RISK_LEVELS)[number];

/** The fields checked in the browser by the server's own schema. */
const FIELDS = ["systemId", "name", "description", "maxDurationDays", "externalRef", "ownerId", "credentialRotateHours"] as const;

export type EntitlementFormValues = {
  id?: string;
  updatedAt?: Date;
  systemId: string;
  name: string;
  description: string;
  risk: Risk;
  privileged: boolean;
  /** The entitlement's own owner; "" = the system owner. */
  ownerId: string;
  requestable: boolean;
  maxDurationDays: number;
  externalRef: string;
  /** PostgreSQL systems only: grants issue a login of their own (docs/credentials.md). */
  issuesCredential?: boolean;
  /** Hours between scheduled rotations; null = on demand only. */
  credentialRotateHours?: number | null;
};

const ROUTE: [RegExp, string][] = [
  [/already has an entitlement named/, "name"],
  [/No system with id/, "systemId"],
  [/owner/i, "ownerId"],
  [/at most \d+ days|maximum duration/i, "maxDurationDays"],
  [/issue credentials|issues credentials/i, "issuesCredential"],
  [/rotation schedule/i, "credentialRotateHours"],
];

/**
 * Create or edit an entitlement (admins). On create, `systems` offers the system (preselected from
 * ?systemId); on edit the system is fixed. The 90-day rule is checked as you type and again by the server.
 */
export function EntitlementForm({
  mode,
  initial,
  systems,
  systemOwnerName,
  connector,
  onSaved,
  onCancel,
}: {
  mode: "create" | "edit";
  initial: EntitlementFormValues;
  systems?: { id: string; name: string; connector?: string }[];
  /** Edit mode: the system's connector (credentials are offered for PostgreSQL only). */
  connector?: string;
  /** Shown in the owner picker's "system owner" choice (edit mode, where the system is known). */
  systemOwnerName?: string;
  /** Edit mode: called after a successful save (e.g. to close the editor). */
  onSaved?: () => void;
  onCancel?: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [systemId, setSystemId] = useState(initial.systemId);
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [risk, setRisk] = useState<Risk>(initial.risk);
  const [privileged, setPrivileged] = useState(initial.privileged);
  const [ownerId, setOwnerId] = useState(initial.ownerId);
  const [requestable, setRequestable] = useState(initial.requestable);
  const [duration, setDuration] = useState(String(initial.maxDurationDays));
  const [externalRef, setExternalRef] = useState(initial.externalRef);
  const [issuesCredential, setIssuesCredential] = useState(initial.issuesCredential ?? false);
  const [rotateHours, setRotateHours] = useState(initial.credentialRotateHours ? String(initial.credentialRotateHours) : "");
  const [error, setError] = useState<FormError | null>(null);
  const [refreshing, startRefresh] = useTransition();

  const onError = (err: unknown) => setError(readFormError(err, ROUTE));
  const create = useMutation(
    trpc.catalog.createEntitlement.mutationOptions({
      onSuccess: (e) => {
        router.push(`/catalog/entitlements/${e.id}`);
        router.refresh();
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.catalog.updateEntitlement.mutationOptions({
      // Close the editor together with the refreshed page, so what it shows is already the saved version.
      onSuccess: () =>
        startRefresh(() => {
          router.refresh();
          onSaved?.();
        }),
      onError,
    }),
  );
  const pending = create.isPending || update.isPending || refreshing;

  const days = Number(duration);
  // Credentials are issued by the PostgreSQL connector only (the server refuses the flag elsewhere).
  const postgres = (mode === "create" ? systems?.find((s) => s.id === systemId)?.connector : connector) === "POSTGRES";
  const durationHint = Number.isInteger(days) ? durationProblem({ privileged, risk, maxDurationDays: days }) : null;

  const values = {
    name,
    description,
    risk,
    privileged,
    ownerId: ownerId || null,
    requestable,
    // Checked and sent as typed: the schema names what is wrong with it (not a whole number, out of range, ...).
    maxDurationDays: duration.trim() === "" ? Number.NaN : days,
    externalRef: externalRef.trim() || null,
    issuesCredential: postgres && issuesCredential,
    credentialRotateHours: postgres && issuesCredential && rotateHours.trim() !== "" ? Number(rotateHours) : null,
  };
  // Each field checked as the person leaves it, by the server's own schema (all its problems at once).
  const v = useFieldValidation(ZCreateEntitlementInput, { systemId, ...values }, FIELDS);

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!v.checkAll()) return;
    if (mode === "create") create.mutate({ systemId, ...values });
    else update.mutate({ id: initial.id!, expectedUpdatedAt: initial.updatedAt!, ...values });
  }

  const fe: Record<string, string | undefined> = { ...error?.fields, ...v.errors };
  if (fe.systemId && !systemId) fe.systemId = "Choose the system this access is granted in.";
  const stale = error?.code === "CONFLICT" && /changed by someone else/.test(error.message);

  return (
    <form onSubmit={submit} className="max-w-3xl space-y-5" aria-label={mode === "create" ? "New entitlement" : "Edit entitlement"} noValidate>
      {error && (
        <ErrorBanner title={mode === "create" ? "The entitlement was not created" : "Your changes were not saved"}>
          {error.message}
          {stale && <ReloadLink />}
        </ErrorBanner>
      )}
      {mode === "create" && systems && (
        <Field label="System" error={fe.systemId}>
          {(p) => (
            <Select {...p} name="systemId" value={systemId} onChange={(e) => setSystemId(e.target.value)} onBlur={() => v.blur("systemId")} required>
              <option value="">Choose a system…</option>
              {systems.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      )}
      <Field label="Name" error={fe.name} hint="The role, group or permission as people know it, e.g. “Read-only analyst”.">
        {(p) => <Input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} onBlur={() => v.blur("name")} required maxLength={120} autoComplete="off" />}
      </Field>
      <Field label="Description" error={fe.description} hint="What this access lets someone do.">
        {(p) => <Textarea {...p} name="description" value={description} onChange={(e) => setDescription(e.target.value)} onBlur={() => v.blur("description")} maxLength={2000} />}
      </Field>
      <div className="grid gap-5 sm:grid-cols-2">
        <Field label="Risk" error={fe.risk}>
          {(p) => (
            <Select {...p} value={risk} onChange={(e) => setRisk(e.target.value as Risk)}>
              {RISK_LEVELS.map((r) => (
                <option key={r} value={r}>
                  {RISK_LABEL[r]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          label="Maximum duration (days)"
          error={fe.maxDurationDays ?? durationHint}
          hint={`1 to ${MAX_DURATION_DAYS} days; at most ${PRIVILEGED_MAX_DURATION_DAYS} for privileged or critical-risk access.`}
        >
          {(p) => <Input {...p} name="maxDurationDays" type="number" inputMode="numeric" min={1} max={MAX_DURATION_DAYS} step={1} value={duration} onChange={(e) => setDuration(e.target.value)} onBlur={() => v.blur("maxDurationDays")} required />}
        </Field>
      </div>
      <div className="space-y-3">
        <Checkbox
          label="Privileged"
          hint="Administrative or otherwise powerful access: needs approvals from distinct people."
          checked={privileged}
          onChange={(e) => setPrivileged(e.target.checked)}
        />
        <Checkbox label="Requestable" hint="Employees can find it and ask for it." checked={requestable} onChange={(e) => setRequestable(e.target.checked)} />
        {postgres && (
          <Checkbox
            label="Issues a credential"
            hint="For service accounts and other non-human identities only: each approved grant gets a login of its own with a generated password, shown once to the identity's owner and dropped when the grant ends."
            checked={issuesCredential}
            onChange={(e) => setIssuesCredential(e.target.checked)}
          />
        )}
      </div>
      {postgres && issuesCredential && (
        <Field label="Rotate the password every (hours)" error={fe.credentialRotateHours} hint="Empty: only when the owner or an admin asks. At most 8760 (a year).">
          {(p) => (
            <Input {...p} name="credentialRotateHours" type="number" inputMode="numeric" min={1} max={8760} step={1} value={rotateHours} onChange={(e) => setRotateHours(e.target.value)} onBlur={() => v.blur("credentialRotateHours")} className="max-w-40" />
          )}
        </Field>
      )}
      <OwnerPicker
        value={ownerId}
        onChange={setOwnerId}
        onBlur={() => v.blur("ownerId")}
        error={fe.ownerId}
        emptyLabel={systemOwnerName ? `The system owner (${systemOwnerName})` : "The system owner"}
        hint="Leave as the system owner unless someone else answers for this access."
      />
      <Field label="External reference" error={fe.externalRef} hint="Optional: the group or role name in the target system, used by the connector.">
        {(p) => <Input {...p} name="externalRef" value={externalRef} onChange={(e) => setExternalRef(e.target.value)} onBlur={() => v.blur("externalRef")} maxLength={200} autoComplete="off" />}
      </Field>

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : mode === "create" ? "Create entitlement" : "Save changes"}
        </Button>
        {mode === "create" ? (
          <Link href={systemId ? `/catalog/systems/${systemId}` : "/catalog/entitlements"} className={buttonClass("secondary")}>
            Cancel
          </Link>
        ) : (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
