"use client";
import { notify } from "@/components/ui/toast";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { ErrorBanner } from "@/components/ui/card";
import { Field, Input } from "@/components/ui/form";
import { formatDate } from "@/components/ui/format";
import { readFormError } from "@/components/catalog/form-errors";
import { ConfirmDialog } from "./confirm-dialog";
import { DEFAULT_ACTION, plural, type DefaultAction } from "./labels";
import type { CampaignScope } from "./types";

type Base = { id: string; updatedAt: Date | string };

/** Launch a draft: shows the population the snapshot will take now and asks for confirmation. */
export function LaunchButton({ campaign, scope }: { campaign: Base & { name: string }; scope: CampaignScope }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const preview = useQuery({ ...trpc.campaigns.previewScope.queryOptions({ scope }), enabled: open });
  const launch = useMutation(
    trpc.campaigns.launch.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        router.refresh();
      },
      onError: (e) => setError(readFormError(e).message),
    }),
  );
  const n = preview.data?.count;
  return (
    <>
      <Button onClick={() => { setError(null); setOpen(true); }}>Launch…</Button>
      <ConfirmDialog
        open={open}
        title={`Launch “${campaign.name}”?`}
        confirmLabel={n === undefined ? "Launch" : `Launch with ${plural(n, "item")}`}
        busy={launch.isPending}
        confirmDisabled={n === undefined}
        onCancel={() => setOpen(false)}
        onConfirm={() => launch.mutate({ id: campaign.id, expectedUpdatedAt: new Date(campaign.updatedAt) })}
      >
        {preview.isError ? (
          <p className="text-red-700">{preview.error.message}</p>
        ) : n === undefined ? (
          <p>Counting the grants in scope…</p>
        ) : (
          <p data-testid="launch-population">
            <span className="font-semibold">{plural(n, "grant")}</span> in effect match the scope now. Launching takes the snapshot: one review item per grant, assigned to its reviewer, with the
            population count and the exact scope query recorded as completeness evidence. Later grant changes do not alter the snapshot.
          </p>
        )}
        <p>Reviewers are notified and the definition can no longer be edited.</p>
        {error && <ErrorBanner title="Not launched">{error}</ErrorBanner>}
      </ConfirmDialog>
    </>
  );
}

/** Send reminders now to reviewers with open items. */
export function RemindButton({ campaignId, openReviewers }: { campaignId: string; openReviewers: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remind = useMutation(
    trpc.campaignOps.remind.mutationOptions({
      onSuccess: (r) => {
        notify.success(r.reminded === 0 ? "Nobody needed a reminder." : `Reminded ${plural(r.reminded, "reviewer")}.`);
        router.refresh();
      },
      onError: (e) => notify.error(e),
    }),
  );
  return (
    <div className="space-y-1">
      <Button variant="secondary" disabled={remind.isPending || openReviewers === 0} onClick={() => remind.mutate({ campaignId })}>
        {remind.isPending ? "Sending…" : "Send reminders"}
      </Button>
    </div>
  );
}

/** Move the due date (later). */
export function ExtendDueForm({ campaignId, dueAt }: { campaignId: string; dueAt: Date | string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [day, setDay] = useState(new Date(new Date(dueAt).getTime() + 7 * 86_400_000).toISOString().slice(0, 10));
  const [error, setError] = useState<string | null>(null);
  const extend = useMutation(
    trpc.campaignOps.extendDue.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        router.refresh();
      },
      onError: (e) => setError(readFormError(e).message),
    }),
  );
  if (!open) {
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Extend due date…
      </Button>
    );
  }
  return (
    <form
      className="flex flex-wrap items-end gap-2 rounded-md border border-slate-200 p-3"
      aria-label="Extend the due date"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        extend.mutate({ campaignId, dueAt: new Date(`${day}T23:59:59.000Z`) });
      }}
    >
      <Field label={`New due date (now ${formatDate(dueAt)})`} error={error}>
        {(a) => <Input {...a} type="date" value={day} onChange={(e) => setDay(e.target.value)} autoFocus />}
      </Field>
      <Button type="submit" disabled={extend.isPending}>
        {extend.isPending ? "Saving…" : "Extend"}
      </Button>
      <Button variant="ghost" onClick={() => setOpen(false)}>
        Cancel
      </Button>
    </form>
  );
}

/** Close: says exactly what will happen to undecided items and how many revocations will be requested. */
export function CloseButton({ campaign, undecided, revoked }: { campaign: { id: string; name: string; defaultAction: DefaultAction }; undecided: number; revoked: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = useMutation(
    trpc.campaignOps.close.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        router.refresh();
      },
      onError: (e) => setError(readFormError(e).message),
    }),
  );
  const revocations = revoked + (campaign.defaultAction === "REVOKE" ? undecided : 0);
  return (
    <>
      <Button variant="danger" onClick={() => { setError(null); setOpen(true); }}>
        Close campaign…
      </Button>
      <ConfirmDialog
        open={open}
        title={`Close “${campaign.name}”?`}
        confirmLabel="Close the campaign"
        confirmVariant="danger"
        busy={close.isPending}
        onCancel={() => setOpen(false)}
        onConfirm={() => close.mutate({ campaignId: campaign.id })}
      >
        <ul className="list-disc space-y-1 pl-5" data-testid="close-consequences">
          <li>
            {undecided === 0 ? "Every item is decided." : <><span className="font-semibold">{plural(undecided, "undecided item")}</span> will be {DEFAULT_ACTION[campaign.defaultAction].verb} (the campaign&apos;s default action).</>}
          </li>
          <li>
            <span className="font-semibold">{plural(revocations, "revocation")}</span> will be requested through the connectors; the campaign stays “remediating” until each one is confirmed by read-back or has failed.
          </li>
          <li>No decision can be made or changed after closing.</li>
        </ul>
        {error && <ErrorBanner title="Not closed">{error}</ErrorBanner>}
      </ConfirmDialog>
    </>
  );
}
