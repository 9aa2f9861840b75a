"use client";
/**
 * Requests another API scope for a client: an ordinary access request (requests.submit) with the client as
 * the beneficiary, decided by the policy and its approvers like any other. The duration never outlasts the
 * client's credential (the server refuses it otherwise).
 */
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { Field, Input, Select, Textarea } from "@/components/ui/form";
import { notify } from "@/components/ui/toast";
import { readFormError } from "@/components/catalog/form-errors";

export type ScopeChoice = { scope: string; entitlementId: string; description: string; privileged: boolean; maxDurationDays: number };

const DAY_MS = 86_400_000;

export function RequestScopeForm({ clientId, choices, credentialExpiresAt }: { clientId: string; choices: ScopeChoice[]; credentialExpiresAt: Date | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const submit = useMutation(trpc.requests.submit.mutationOptions());
  const [entitlementId, setEntitlementId] = useState(choices[0]?.entitlementId ?? "");
  const [days, setDays] = useState("30");
  const [justification, setJustification] = useState("");
  const [error, setError] = useState<{ field: "days" | "justification" | "form"; message: string } | null>(null);
  const chosen = choices.find((c) => c.entitlementId === entitlementId) ?? null;
  const credentialDays = credentialExpiresAt ? Math.floor((new Date(credentialExpiresAt).getTime() - Date.now()) / DAY_MS) : null;
  const maxDays = Math.max(1, Math.min(chosen?.maxDurationDays ?? 90, credentialDays ?? Infinity));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > maxDays) return setError({ field: "days", message: `Choose 1 to ${maxDays} days.` });
    try {
      const out = await submit.mutateAsync({ entitlementId, beneficiaryId: clientId, justification, durationHours: n * 24, emergency: false });
      notify.success(out.status === "DENIED" ? "The policy refused this scope." : "Scope requested.", out.status === "PENDING" ? "It is with its approvers now." : undefined);
      setJustification("");
      router.refresh();
    } catch (err) {
      const m = readFormError(err);
      setError({ field: m.fields?.justification ? "justification" : m.fields?.durationHours ? "days" : "form", message: m.fields?.justification ?? m.fields?.durationHours ?? m.message });
    }
  }

  return (
    <form onSubmit={onSubmit} className="mt-5 grid gap-4 border-t border-slate-200 pt-4 md:grid-cols-2" noValidate aria-label="Request a scope">
      <h3 className="text-sm font-semibold text-slate-800 md:col-span-2">Request a scope</h3>
      <Field label="Scope" hint={chosen ? `${chosen.description}${chosen.privileged ? " Privileged: the owner of the Warrant API and security approve it." : ""}` : undefined}>
        {(p) => (
          <Select {...p} name="scope" value={entitlementId} onChange={(e) => setEntitlementId(e.target.value)}>
            {choices.map((c) => (
              <option key={c.entitlementId} value={c.entitlementId}>
                {c.scope}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field label="For how many days" hint={`At most ${maxDays}: never past the client's credential expiry.`} error={error?.field === "days" ? error.message : null}>
        {(p) => <Input {...p} name="days" type="number" min={1} max={maxDays} value={days} onChange={(e) => setDays(e.target.value)} className="max-w-40" />}
      </Field>
      <div className="md:col-span-2">
        <Field label="Why does the client need it?" error={error?.field === "justification" ? error.message : null}>
          {(p) => <Textarea {...p} name="justification" value={justification} maxLength={1000} onChange={(e) => setJustification(e.target.value)} />}
        </Field>
      </div>
      {error?.field === "form" && <p className="text-sm text-red-700 md:col-span-2">{error.message}</p>}
      <div className="md:col-span-2">
        <Button type="submit" disabled={submit.isPending || !entitlementId}>
          Request this scope
        </Button>
      </div>
    </form>
  );
}
