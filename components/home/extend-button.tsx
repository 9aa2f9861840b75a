"use client";
import Link from "next/link";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { toast } from "sonner";
import { useTRPCClient } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";

export type ExtendTarget = { grantId: string; entitlementId: string; entitlement: string; system: string; holderId: string; hours: number; pendingRequestId: string | null };

const days = (h: number) => (h % 24 === 0 ? `${h / 24} day${h === 24 ? "" : "s"}` : `${h} hours`);

/**
 * One-click Extend: submits an extension request (the requests router's submit, with the grant it extends), so
 * it goes through the policy and its approvers like any request. It asks for as long again as the grant ran,
 * shortened to the policy's maximum (asked with the preview first). When the policy wants something else (a
 * shorter duration, a ticket), the message links to the request form prefilled for this extension.
 */
export function ExtendButton({ target }: { target: ExtendTarget }) {
  const client = useTRPCClient();
  const router = useRouter();
  const [requestId, setRequestId] = useState(target.pendingRequestId);
  const [error, setError] = useState<string | null>(null);
  const submit = useMutation({
    // Ask the policy first (nothing is written) so the duration asked for is one it allows; then submit.
    mutationFn: async () => {
      const preview = await client.requests.preview.query({ entitlementId: target.entitlementId, beneficiaryId: target.holderId, durationHours: target.hours });
      if (!preview.decision.allowed) throw new Error(preview.decision.reasons.join(" ") || "The policy does not allow this request.");
      return client.requests.submit.mutate({
        entitlementId: target.entitlementId,
        beneficiaryId: target.holderId,
        justification: `Extension of ${target.entitlement} on ${target.system}, which expires soon: requested from the home page.`,
        durationHours: Math.max(1, Math.min(target.hours, preview.decision.maxDurationHours)),
        extendsGrantId: target.grantId,
      });
    },
    onSuccess: (out) => {
      setRequestId(out.id);
      setError(null);
      toast.success(out.status === "PENDING" ? `Extension of ${target.entitlement} requested: it waits for approval.` : `Extension of ${target.entitlement}: ${out.status.toLowerCase()}.`);
      router.refresh();
    },
    onError: (e) => {
      setError(e.message);
      toast.error(e.message);
    },
  });
  if (requestId) {
    return (
      <Link href={`/requests/${requestId}`} className="whitespace-nowrap text-sm font-medium text-brand-700 hover:underline" data-testid="extension-requested">
        Extension requested →
      </Link>
    );
  }
  return (
    <div className="flex flex-col items-end gap-1">
      <Button
        variant="secondary"
        className="py-1"
        disabled={submit.isPending}
        aria-label={`Extend ${target.entitlement} on ${target.system} by ${days(target.hours)}`}
        title={`Request ${days(target.hours)} more (goes to approval)`}
        onClick={() => submit.mutate()}
      >
        {submit.isPending ? "Requesting…" : "Extend"}
      </Button>
      {error && (
        <p role="alert" className="max-w-xs text-right text-xs text-red-700">
          {error}{" "}
          <Link href={`/requests/new?extend=${target.grantId}`} className="font-medium underline">
            Open the form
          </Link>
        </p>
      )}
    </div>
  );
}
