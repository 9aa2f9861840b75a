"use client";
/**
 * Create or edit a non-human identity (ADMIN). The same zod schema as the server checks the input first,
 * so most mistakes are shown at once; whatever the server still refuses (owner not active, a stale
 * version, grants still held) is shown next to the field it is about.
 */
import { useRef, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Checkbox, Field, Input, Select, Textarea } from "@/components/ui/form";
import { ApiClientFields, type ApiClientFieldValues } from "@/components/api-clients/api-client-fields";
import { API_CLIENT_KINDS, KIND_LABELS, NHI_KINDS, STATUS_LABELS, IDENTITY_STATUSES, ZCreateNhi, ZUpdateNhi, type NhiKindName, type IdentityStatusName } from "@/server/domain/identities/schema";
import { OwnerPicker, type OwnerChoice } from "./owner-picker";
import { messagesByField } from "@/server/domain/field-errors";

type FieldName = "kind" | "displayName" | "ownerId" | "purpose" | "systemId" | "credentialKeyId" | "credentialRotatedAt" | "credentialExpiresAt" | "status";
type Errors = Partial<Record<FieldName, string>>;

export type NhiFormValues = {
  kind: NhiKindName;
  displayName: string;
  owner: OwnerChoice | null;
  purpose: string;
  systemId: string | null;
  credentialKeyId: string | null;
  credentialRotatedAt: Date | null;
  credentialExpiresAt: Date | null;
  status: IdentityStatusName;
};

type Props =
  | {
      mode: "create";
      systems: { id: string; name: string }[];
      /** Registering an API client: its owner is the signed-in person; `required` when they are not an admin. */
      apiClient?: { me: OwnerChoice; required: boolean };
      initial?: undefined;
      id?: undefined;
      updatedAt?: undefined;
      onDone?: undefined;
    }
  | { mode: "edit"; systems: { id: string; name: string }[]; initial: NhiFormValues; id: string; updatedAt: Date; onDone: (message: string) => void };

const FIELD_ORDER: FieldName[] = ["kind", "displayName", "ownerId", "purpose", "systemId", "credentialKeyId", "credentialRotatedAt", "credentialExpiresAt", "status"];

/** Dates are days in UTC, like everywhere in the portal. */
const toDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");
const fromDay = (s: string) => (s ? new Date(`${s}T00:00:00.000Z`) : null);
const tomorrow = () => toDay(new Date(Date.now() + 86_400_000));

/** Which field a message from the server is about, so it can be shown in place. */
function fieldOf(message: string): FieldName | null {
  if (/owner/i.test(message)) return "ownerId";
  if (/system/i.test(message)) return "systemId";
  if (/rotat/i.test(message)) return "credentialRotatedAt";
  if (/expir/i.test(message)) return "credentialExpiresAt";
  if (/grant|deprovision|reactivat/i.test(message)) return "status";
  return null;
}

/** Every problem of each field at once (the server's schema, the server's words: server/domain/field-errors.ts). */
function zodErrors(issues: { path: PropertyKey[]; message: string }[]): Errors {
  const all = messagesByField(issues, 1);
  return Object.fromEntries(FIELD_ORDER.filter((f) => all[f]).map((f) => [f, all[f]]));
}

export function NhiForm(props: Props) {
  const { mode, systems } = props;
  const trpc = useTRPC();
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const init = props.initial;

  const [kind, setKind] = useState<NhiKindName | "">(init?.kind ?? "");
  const [displayName, setDisplayName] = useState(init?.displayName ?? "");
  const [owner, setOwner] = useState<OwnerChoice | null>(init?.owner ?? null);
  const [purpose, setPurpose] = useState(init?.purpose ?? "");
  const [systemId, setSystemId] = useState(init?.systemId ?? "");
  const [keyId, setKeyId] = useState(init?.credentialKeyId ?? "");
  const [rotatedAt, setRotatedAt] = useState(toDay(init?.credentialRotatedAt ?? null));
  const [expiresAt, setExpiresAt] = useState(toDay(init?.credentialExpiresAt ?? null));
  const [status, setStatus] = useState<IdentityStatusName>(init?.status ?? "ACTIVE");
  const [confirmFinal, setConfirmFinal] = useState(false);
  const clientMode = props.mode === "create" ? props.apiClient : undefined;
  const [asClient, setAsClient] = useState(Boolean(clientMode?.required));
  const [scopeValues, setScopeValues] = useState<ApiClientFieldValues>({ scopes: [], justification: "", durationDays: "30" });
  const [scopeError, setScopeError] = useState<string | null>(null);
  const kinds = asClient ? API_CLIENT_KINDS : NHI_KINDS;
  const [errors, setErrors] = useState<Errors>({});
  const [banner, setBanner] = useState<{ title: string; text: string; stale?: boolean } | null>(null);

  const create = useMutation(trpc.identities.createNhi.mutationOptions());
  const update = useMutation(trpc.identities.updateNhi.mutationOptions());
  const pending = create.isPending || update.isPending;

  /** A field's error goes away as soon as the field is edited. */
  const clearError = (f: FieldName) => setErrors((e) => (e[f] ? { ...e, [f]: undefined } : e));

  function show(errs: Errors) {
    setErrors(errs);
    const first = FIELD_ORDER.find((f) => errs[f]);
    if (first) requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
  }

  function onServerError(err: { message: string; data?: { code?: string; fieldErrors?: Record<string, string> | null } | null }) {
    const code = err.data?.code;
    if (code === "CONFLICT") {
      setBanner({ title: "Someone else changed this identity", text: err.message, stale: true });
      return;
    }
    const fieldErrors = err.data?.fieldErrors;
    if (fieldErrors && Object.keys(fieldErrors).length) {
      show(zodErrors(Object.entries(fieldErrors).map(([path, message]) => ({ path: [path.split(".")[0]], message }))));
      return;
    }
    const f = code === "BAD_REQUEST" ? fieldOf(err.message) : null;
    if (f) show({ [f]: err.message });
    else setBanner({ title: code === "FORBIDDEN" ? "Not allowed" : "Could not save", text: err.message });
  }

  const NO_OWNER = "Choose the accountable owner: an active person who answers for this identity.";

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBanner(null);
    if (props.mode === "create") {
      const input = {
        kind: kind || undefined,
        displayName,
        ownerId: (asClient ? clientMode?.me.id : owner?.id) ?? "",
        purpose,
        systemId: systemId || undefined,
        credentialKeyId: keyId.trim() || undefined,
        credentialExpiresAt: fromDay(expiresAt) ?? undefined,
        ...(asClient ? { apiClient: { scopes: scopeValues.scopes, justification: scopeValues.justification, durationDays: Number(scopeValues.durationDays) } } : {}),
      };
      const parsed = ZCreateNhi.safeParse(input);
      const scopeIssue = parsed.success ? undefined : parsed.error.issues.find((i) => i.path[0] === "apiClient");
      setScopeError(scopeIssue ? `${scopeIssue.path.slice(1).join(" ") === "justification" ? "The reason " : ""}${scopeIssue.message}` : null);
      if (asClient && !expiresAt) return show({ credentialExpiresAt: "An API client needs a credential expiry (at most a year): its tokens and scopes end then." });
      if (!parsed.success) {
        const errs = zodErrors(parsed.error.issues);
        if (errs.kind && !kind) errs.kind = "Choose what kind of non-human identity this is.";
        if (!owner && !asClient) errs.ownerId = NO_OWNER;
        return show(errs);
      }
      show({});
      create.mutate(parsed.data, {
        onSuccess: (created) => {
          router.push(`/identities/${created.id}`);
          router.refresh();
        },
        onError: onServerError,
      });
      return;
    }

    if (!owner) return show({ ownerId: NO_OWNER });
    if (status === "DEPROVISIONED" && props.initial.status !== "DEPROVISIONED" && !confirmFinal) {
      return show({ status: "Deprovisioning is final: tick the box below to confirm." });
    }
    // Edit: send only what changed, so the ledger records exactly the edit that was made.
    const i = props.initial;
    const input: Record<string, unknown> = { id: props.id, expectedUpdatedAt: props.updatedAt };
    if (displayName !== i.displayName) input.displayName = displayName;
    if (owner.id !== i.owner?.id) input.ownerId = owner.id;
    if (purpose !== i.purpose) input.purpose = purpose;
    if (systemId !== (i.systemId ?? "")) input.systemId = systemId || null;
    if (keyId.trim() !== (i.credentialKeyId ?? "")) input.credentialKeyId = keyId.trim() || null;
    if (rotatedAt !== toDay(i.credentialRotatedAt)) input.credentialRotatedAt = fromDay(rotatedAt);
    if (expiresAt !== toDay(i.credentialExpiresAt)) input.credentialExpiresAt = fromDay(expiresAt);
    if (status !== i.status) input.status = status;
    if (Object.keys(input).length === 2) {
      show({});
      setBanner({ title: "Nothing to save", text: "You have not changed anything yet." });
      return;
    }
    const parsed = ZUpdateNhi.safeParse(input);
    if (!parsed.success) return show(zodErrors(parsed.error.issues));
    show({});
    update.mutate(parsed.data, {
      onSuccess: () => {
        props.onDone("Saved. The change is recorded in the evidence ledger.");
        router.refresh();
      },
      onError: onServerError,
    });
  }

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-5" aria-label={mode === "create" ? "New non-human identity" : "Edit non-human identity"}>
      {banner && (
        <ErrorBanner title={banner.title}>
          <p>{banner.text}</p>
          {banner.stale && (
            <Button variant="secondary" className="mt-2" onClick={() => window.location.reload()}>
              Reload the latest version
            </Button>
          )}
        </ErrorBanner>
      )}

      <div className="grid gap-5 sm:grid-cols-2">
        {mode === "create" ? (
          <Field label="Kind" error={errors.kind} hint="People are not created here: they come from HR and the identity provider.">
            {(p) => (
              <Select {...p} name="kind" value={kind} onChange={(e) => {
                  setKind(e.target.value as NhiKindName);
                  clearError("kind");
                }}>
                <option value="">Choose a kind…</option>
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        ) : (
          <Field label="Kind" hint="The kind of an identity cannot change.">
            {(p) => <Input {...p} name="kind" value={KIND_LABELS[props.initial.kind]} readOnly disabled />}
          </Field>
        )}
        <Field label="Name" error={errors.displayName} hint="As it appears in the target system, e.g. svc-payments-batch.">
          {(p) => <Input {...p} name="displayName" value={displayName} onChange={(e) => {
                  setDisplayName(e.target.value);
                  clearError("displayName");
                }} maxLength={120} required />}
        </Field>
      </div>

      {clientMode && !clientMode.required && (
        <Checkbox
          name="asClient"
          label="Register it as an API client of Warrant's REST API, owned by me"
          hint="Its scopes are requested in your name; you issue, rotate and revoke its tokens."
          checked={asClient}
          onChange={(e) => setAsClient(e.target.checked)}
        />
      )}

      {asClient && clientMode ? (
        <Field label="Accountable owner" hint="You: an API client is registered by the person who answers for it.">
          {(p) => <Input {...p} name="ownerId" value={clientMode.me.displayName} readOnly disabled />}
        </Field>
      ) : (
        <Field label="Accountable owner" error={errors.ownerId} hint="An active person who answers for this identity in reviews and audits.">
          {(p) => <OwnerPicker {...p} name="ownerId" value={owner} onChange={(o) => {
                setOwner(o);
                clearError("ownerId");
              }} />}
        </Field>
      )}

      <Field label="Purpose" error={errors.purpose} hint={`What it does and why it exists (10–500 characters; ${purpose.trim().length} so far).`}>
        {(p) => <Textarea {...p} name="purpose" value={purpose} onChange={(e) => {
                  setPurpose(e.target.value);
                  clearError("purpose");
                }} maxLength={500} rows={3} required />}
      </Field>

      <div className="grid gap-5 sm:grid-cols-2">
        <Field label="System it runs in" error={errors.systemId} hint="Optional.">
          {(p) => (
            <Select {...p} name="systemId" value={systemId} onChange={(e) => {
                  setSystemId(e.target.value);
                  clearError("systemId");
                }}>
              <option value="">None</option>
              {systems.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Credential key id" error={errors.credentialKeyId} hint="The key or client id, never the secret itself. Optional.">
          {(p) => <Input {...p} name="credentialKeyId" value={keyId} onChange={(e) => {
                  setKeyId(e.target.value);
                  clearError("credentialKeyId");
                }} maxLength={200} autoComplete="off" spellCheck={false} />}
        </Field>
        {mode === "edit" && (
          <Field label="Credential last rotated (UTC)" error={errors.credentialRotatedAt} hint="Set automatically when the key id changes.">
            {(p) => <Input {...p} type="date" name="credentialRotatedAt" value={rotatedAt} onChange={(e) => {
                  setRotatedAt(e.target.value);
                  clearError("credentialRotatedAt");
                }} max={toDay(new Date())} />}
          </Field>
        )}
        <Field label="Credential expires (UTC)" error={errors.credentialExpiresAt} hint={asClient ? "Required for an API client, at most a year away: its tokens and scopes end then." : "Optional. Warrant warns before it expires."}>
          {(p) => <Input {...p} type="date" name="credentialExpiresAt" value={expiresAt} onChange={(e) => {
                  setExpiresAt(e.target.value);
                  clearError("credentialExpiresAt");
                }} min={mode === "create" ? tomorrow() : undefined} />}
        </Field>
        {mode === "edit" && (
          <Field label="Status" error={errors.status} hint="Deprovisioning is final and needs every grant revoked first.">
            {(p) => (
              <Select {...p} name="status" value={status} onChange={(e) => {
                  setStatus(e.target.value as IdentityStatusName);
                  clearError("status");
                }}>
                {IDENTITY_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABELS[s]}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        )}
      </div>

      {asClient && <ApiClientFields value={scopeValues} onChange={(v) => { setScopeValues(v); setScopeError(null); }} error={scopeError} />}

      {mode === "edit" && status === "DEPROVISIONED" && props.initial.status !== "DEPROVISIONED" && (
        <Checkbox
          name="confirmFinal"
          label="I understand that deprovisioning is final"
          hint="A deprovisioned identity cannot be reactivated; a new one would have to be registered."
          checked={confirmFinal}
          onChange={(e) => {
            setConfirmFinal(e.target.checked);
            clearError("status");
          }}
        />
      )}

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : mode === "create" ? "Create identity" : "Save changes"}
        </Button>
        {mode === "create" ? (
          <Button variant="ghost" onClick={() => router.push("/identities?kind=NON_HUMAN")}>
            Cancel
          </Button>
        ) : (
          <Button variant="ghost" onClick={() => props.onDone("")}>
            Cancel
          </Button>
        )}
        <p className="text-xs text-slate-500">Every change is recorded in the evidence ledger with your name.</p>
      </div>
    </form>
  );
}
