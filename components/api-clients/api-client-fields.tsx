"use client";
/**
 * The API-client part of the non-human identity form: which scopes of Warrant's REST API to request for the
 * new client, why, and for how long. Each scope becomes an access request in the owner's name, decided by the
 * policy and its approvers; the client gets a token only once a scope is granted.
 */
import { Checkbox, Field, Input, Textarea } from "@/components/ui/form";
import { API_SCOPES, API_SCOPE_NAMES, MAX_SCOPE_REQUEST_DAYS, type ApiScope } from "@/server/domain/identities/schema";

export type ApiClientFieldValues = { scopes: ApiScope[]; justification: string; durationDays: string };

export function ApiClientFields({ value, onChange, error }: { value: ApiClientFieldValues; onChange: (v: ApiClientFieldValues) => void; error?: string | null }) {
  const toggle = (s: ApiScope, on: boolean) => onChange({ ...value, scopes: on ? [...value.scopes, s] : value.scopes.filter((x) => x !== s) });
  return (
    <fieldset className="space-y-4 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">API scopes to request</legend>
      <p className="text-xs text-slate-600">
        Each scope is requested for the client in your name and decided like any access request (privileged ones by the Warrant API&apos;s owner and security). Issue its token from its page once a scope is granted.
      </p>
      <div className="grid gap-2 sm:grid-cols-2">
        {API_SCOPE_NAMES.map((s) => (
          <Checkbox key={s} name="scopes" value={s} label={s} hint={`${API_SCOPES[s].description}${API_SCOPES[s].privileged ? " (privileged)" : ""}`} checked={value.scopes.includes(s)} onChange={(e) => toggle(s, e.target.checked)} />
        ))}
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Why does it need them?" error={error}>
          {(p) => <Textarea {...p} name="scopeJustification" value={value.justification} maxLength={1000} rows={2} onChange={(e) => onChange({ ...value, justification: e.target.value })} />}
        </Field>
        <Field label="For how many days" hint={`1 to ${MAX_SCOPE_REQUEST_DAYS}; privileged scopes at most 30, and never past the credential expiry.`}>
          {(p) => <Input {...p} name="scopeDays" type="number" min={1} max={MAX_SCOPE_REQUEST_DAYS} value={value.durationDays} onChange={(e) => onChange({ ...value, durationDays: e.target.value })} className="max-w-40" />}
        </Field>
      </div>
    </fieldset>
  );
}
