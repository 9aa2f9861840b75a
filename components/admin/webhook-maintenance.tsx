"use client";
/**
 * Maintaining one webhook subscription (/admin/webhooks/<id>, admins and security): rotate its signing secret
 * (the new one is shown once, the old one keeps signing until the overlap ends), change its name, receiver,
 * event types and format (delivery goes on from its cursor), and delete it (after a confirmation; its attempts
 * and dead letters stay as evidence). Each is recorded in the evidence ledger.
 */
import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, Select } from "@/components/ui/form";
import { SubscriptionFields } from "./webhooks";
import { formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { readFormError } from "@/components/catalog/form-errors";
import { ConfirmDialog } from "@/components/campaigns/confirm-dialog";
import { DEFAULT_SECRET_OVERLAP_HOURS, ZUpdateWebhookInput, type WebhookView } from "@/server/domain/webhooks/schema";

const OVERLAPS = [
  { hours: 0, label: "None: the old secret stops at once (it leaked)" },
  { hours: 1, label: "1 hour" },
  { hours: 24, label: "24 hours" },
  { hours: 72, label: "3 days" },
  { hours: 168, label: "7 days (the most)" },
];

export type Rotated = { secret: string; overlapEndsAt: Date | null };

/** "Rotate secret…": asks for the overlap, rotates, hands the new secret up to be shown once. */
export function RotateSecretButton({ sub, onRotated }: { sub: WebhookView; onRotated: (r: Rotated) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const rotate = useMutation(trpc.webhooks.rotateSecret.mutationOptions());
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState(DEFAULT_SECRET_OVERLAP_HOURS);
  const [error, setError] = useState<string | null>(null);
  async function confirm() {
    setError(null);
    try {
      const out = await rotate.mutateAsync({ id: sub.id, overlapHours: hours });
      setOpen(false);
      onRotated({ secret: out.secret, overlapEndsAt: out.overlapEndsAt });
      notify.success("Signing secret rotated.", "Copy the new secret now: it is shown once.");
      router.refresh();
    } catch (e) {
      setError(readFormError(e).message);
    }
  }
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Rotate secret…
      </Button>
      <ConfirmDialog open={open} title={`Rotate the signing secret of ${sub.name}?`} confirmLabel="Rotate secret" busy={rotate.isPending} onCancel={() => setOpen(false)} onConfirm={confirm}>
        <p>Warrant generates a new secret and shows it once. Until the overlap ends, every POST carries two signatures, one per secret, so the receiver keeps working while you give it the new secret.</p>
        {sub.previousSecretUntil && <p>A rotation is already in its overlap: the oldest secret stops signing at once.</p>}
        <Field label="Overlap" hint="How long the current secret keeps signing next to the new one." error={error}>
          {(p) => (
            <Select {...p} name="overlapHours" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              {OVERLAPS.map((o) => (
                <option key={o.hours} value={o.hours}>
                  {o.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </ConfirmDialog>
    </>
  );
}

/** The note under a freshly rotated secret. */
export function overlapNote(r: Rotated): string {
  return r.overlapEndsAt ? `The previous secret keeps signing next to it until ${formatDateTime(r.overlapEndsAt)}; after that only this one signs.` : "The previous secret no longer signs: only this one does.";
}

/** "Delete…": a confirmation saying what deleting does, then the subscription is archived. */
export function DeleteWebhookButton({ sub }: { sub: WebhookView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const del = useMutation(trpc.webhooks.delete.mutationOptions());
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function confirm() {
    setError(null);
    try {
      await del.mutateAsync({ id: sub.id });
      setOpen(false);
      notify.success("Webhook subscription deleted.", "It is never delivered again; its history stays here.");
      router.refresh();
    } catch (e) {
      setError(readFormError(e).message);
    }
  }
  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete…
      </Button>
      <ConfirmDialog open={open} title={`Delete ${sub.name}?`} confirmLabel="Delete subscription" confirmVariant="danger" busy={del.isPending} onCancel={() => setOpen(false)} onConfirm={confirm}>
        <p>
          Nothing is delivered to <span className="[overflow-wrap:anywhere]">{sub.url}</span> again (a batch already on its way may still arrive once). Its signing secrets are erased. Its delivery attempts and dead letters stay on this page as evidence{sub.openDeadLetters ? "; its open dead letter is closed as skipped" : ""}.
        </p>
        <p>This cannot be undone: to deliver there again, create a new subscription.</p>
        {error && <p className="text-red-700">{error}</p>}
      </ConfirmDialog>
    </>
  );
}

/** The settings form: name, receiver URL, event types, format. The cursor stays where it is. */
export function EditWebhook({ sub }: { sub: WebhookView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.webhooks.update.mutationOptions());
  const [name, setName] = useState(sub.name);
  const [url, setUrl] = useState(sub.url);
  const [types, setTypes] = useState(sub.eventTypes.join(", "));
  const [format, setFormat] = useState<"warrant" | "ocsf">(sub.format === "ocsf" ? "ocsf" : "warrant");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const eventTypes = types.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const parsed = ZUpdateWebhookInput.safeParse({ id: sub.id, name, url, eventTypes, format });
    if (!parsed.success) {
      const errs: Record<string, string> = {};
      for (const i of parsed.error.issues) errs[String(i.path[0] ?? "form")] ??= i.message;
      setErrors(errs);
      return;
    }
    setErrors({});
    try {
      await update.mutateAsync(parsed.data);
      notify.success("Subscription changed.", "Delivery goes on from its cursor with the new settings.");
      router.refresh();
    } catch (err) {
      const f = readFormError(err);
      setErrors({ ...f.fields, form: f.message });
    }
  }

  return (
    <Card title="Settings" className="mb-6">
      <form onSubmit={onSubmit} className="grid gap-4 md:grid-cols-2" noValidate aria-label="Subscription settings">
        <SubscriptionFields name={[name, setName]} url={[url, setUrl]} types={[types, setTypes]} format={[format, setFormat]} errors={errors} />
        <p className="text-sm text-slate-700 md:col-span-2">
          Delivery goes on from seq {sub.cursorSeq} with the new settings: events already delivered are not sent again (use Replay for that); a batch on its way now is sent again to the new receiver.
        </p>
        {errors.form && <p className="text-sm text-red-700 md:col-span-2">{errors.form}</p>}
        <div className="md:col-span-2">
          <Button type="submit" disabled={update.isPending}>
            Save changes
          </Button>
        </div>
      </form>
    </Card>
  );
}
