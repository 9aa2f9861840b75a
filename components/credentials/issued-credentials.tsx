"use client";
/**
 * On a non-human identity's page: the logins issued for its grants (docs/credentials.md). The owner reveals a
 * password once (Warrant then keeps no copy: it is shown here until the page is left, with a Copy button);
 * the owner or an admin rotates it (the old password stops working at once, the new one is revealed once
 * again). Others with the right to look see the login, its validity and fingerprint, never a password.
 */
import { useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { readFormError } from "@/components/catalog/form-errors";
import type { IdentityCredential } from "@/server/domain/credentials/queries";

export function IssuedCredentials({ credentials }: { credentials: IdentityCredential[] }) {
  return (
    <Card title={`Issued logins (${credentials.length})`}>
      <ul className="divide-y divide-slate-100" data-testid="issued-credentials">
        {credentials.map((c) => (
          <IssuedCredentialItem key={c.id} c={c} />
        ))}
      </ul>
    </Card>
  );
}

function IssuedCredentialItem({ c }: { c: IdentityCredential }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [secret, setSecret] = useState<{ password: string; version: number } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reveal = useMutation(trpc.credentials.reveal.mutationOptions());
  const rotate = useMutation(trpc.credentials.rotate.mutationOptions());
  const active = c.status === "ACTIVE";

  async function onReveal() {
    setError(null);
    try {
      const r = await reveal.mutateAsync({ credentialId: c.id });
      setSecret({ password: r.password, version: r.version });
    } catch (e) {
      setError(readFormError(e).message);
    }
    router.refresh();
  }

  async function onRotate() {
    setError(null);
    setConfirming(false);
    try {
      const r = await rotate.mutateAsync({ credentialId: c.id });
      setSecret(null);
      if (r.rotated) notify.success("Password rotated.", "The old password no longer works. Reveal the new one once.");
      else setError(`The rotation was asked for but the target did not take it yet${r.lastError ? `: ${r.lastError}` : ""}. It is tried again shortly.`);
    } catch (e) {
      setError(readFormError(e).message);
    }
    router.refresh();
  }

  return (
    <li className="space-y-3 py-3 first:pt-0 last:pb-0">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-slate-900">{c.entitlement}</span>
        <span className="text-sm text-slate-500">in {c.system}</span>
        <Badge tone={active ? "green" : "slate"}>{active ? "In force" : "Revoked"}</Badge>
        {c.waitingToBeRevealed && active && <Badge tone="amber">Password not yet revealed</Badge>}
      </div>
      <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
        <Row label="Login" value={<code className="break-all rounded bg-slate-100 px-1.5 py-0.5 text-xs">{c.login}</code>} />
        <Row label={active ? "Valid until" : "Revoked"} value={formatDateTime(active ? c.validUntil : c.revokedAt)} />
        <Row label="Password version" value={`${c.version}${c.rotatedAt ? `, rotated ${formatDateTime(c.rotatedAt)}` : ""}`} />
        <Row label="Rotation" value={c.rotateEveryHours ? `Every ${c.rotateEveryHours} hours${c.rotateDueAt && active ? `, next ${formatDateTime(c.rotateDueAt)}` : ""}` : "On demand"} />
        <Row label="Fingerprint" value={<code className="break-all text-xs text-slate-700" title="SHA-256 of the SCRAM verifier the target holds: it changes with every rotation and reveals nothing of the password">{c.fingerprint}</code>} />
        {c.revealedAt && <Row label="Revealed" value={formatDateTime(c.revealedAt)} />}
      </dl>
      {c.lastError && active && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">The last rotation failed: {c.lastError}</p>
      )}
      {secret && (
        <div role="status" className="space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3" data-testid="revealed-password">
          <p className="text-sm font-medium text-amber-900">Copy this password now: it is shown once, and Warrant keeps no copy.</p>
          <div className="flex flex-wrap items-center gap-2">
            <code className="break-all rounded bg-white px-2 py-1 font-mono text-sm text-slate-900 ring-1 ring-slate-200" aria-label={`Password of ${c.login}`}>
              {secret.password}
            </code>
            <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => navigator.clipboard?.writeText(secret.password).then(() => notify.success("Copied."))}>
              Copy
            </Button>
            <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => setSecret(null)}>
              Hide
            </Button>
          </div>
        </div>
      )}
      {error && (
        <p role="alert" className="text-sm font-medium text-red-700">
          {error}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {c.revealable && !secret && (
          <Button className="px-2 py-1 text-xs" disabled={reveal.isPending} onClick={onReveal}>
            {reveal.isPending ? "Revealing…" : "Reveal password (once)"}
          </Button>
        )}
        {c.canRotate &&
          (confirming ? (
            <>
              <span className="text-sm text-slate-700">The current password stops working at once.</span>
              <Button variant="danger" className="px-2 py-1 text-xs" disabled={rotate.isPending} onClick={onRotate}>
                {rotate.isPending ? "Rotating…" : "Rotate now"}
              </Button>
              <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </>
          ) : (
            <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setConfirming(true)}>
              Rotate password
            </Button>
          ))}
      </div>
    </li>
  );
}

function Row({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-wrap items-baseline gap-x-2">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-900">{value}</dd>
    </div>
  );
}
