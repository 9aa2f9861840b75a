"use client";
/**
 * "The catalog knows me": on an entitlement's page, whether I hold it (until when) and the one action that
 * fits: Request it, Extend it, or Remove my access (grants.relinquish, with a reason). The server checks
 * everything again (a request for what I hold is refused at submit).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { formatDate } from "@/components/ui/format";
import { ReasonAction } from "@/components/grants/reason-action";
import type { MyHolding } from "@/server/domain/catalog/mine";

/** The short words for my holding: "You hold it until 3 Mar 2026", "Being removed", … */
export function holdingLabel(m: MyHolding | null): { text: string; tone: "green" | "amber" | "slate" | "blue" } | null {
  if (!m) return null;
  if (m.status === "ACTIVE" || m.status === "REVOKE_FAILED") return { text: m.expiresAt ? `You hold it until ${formatDate(m.expiresAt)}` : "You hold it (no end date)", tone: "green" };
  if (m.status === "PENDING_PROVISION") return { text: "Being granted to you", tone: "blue" };
  if (m.status === "PENDING_REVOKE") return { text: "Being removed from you", tone: "amber" };
  if (m.status === "PROVISION_FAILED") return { text: "Granting it to you failed", tone: "amber" };
  if (m.pendingRequestId) return { text: "Your request is pending", tone: "blue" };
  return null;
}

export function RemoveMyAccessButton({ grantId, what }: { grantId: string; what: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const relinquish = useMutation(trpc.grants.relinquish.mutationOptions());
  return (
    <ReasonAction
      trigger="Remove my access"
      triggerVariant="secondary"
      label={`Why give up ${what}?`}
      hint="The owners are told. It is removed in the target system; request it again if you need it later."
      submits={[{ label: "Remove my access", variant: "danger", run: (reason) => relinquish.mutateAsync({ grantId, reason }), done: `Removing ${what}: it is being taken away in the target system.` }]}
      onDone={() => router.refresh()}
    />
  );
}

export function MyAccess({ entitlement, mine }: { entitlement: { id: string; name: string; requestable: boolean }; mine: MyHolding | null }) {
  const label = holdingLabel(mine);
  const holds = mine?.grantId && (mine.status === "ACTIVE" || mine.status === "REVOKE_FAILED");
  // Nothing held or coming, and no request pending: a request makes sense (the server checks again).
  const canRequest = entitlement.requestable && !mine?.pendingRequestId && (!mine?.status || mine.status === "PENDING_REVOKE" || mine.status === "PROVISION_FAILED");
  return (
    <section aria-labelledby="my-access-heading" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="my-access">
      <h2 id="my-access-heading" className="text-sm font-semibold text-slate-900">
        Your access
      </h2>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        {label ? <Badge tone={label.tone}>{label.text}</Badge> : <span className="text-sm text-slate-600">You do not hold {entitlement.name}.</span>}
        {mine?.pendingRequestId && (
          <Link href={`/requests/${mine.pendingRequestId}`} className="text-sm font-medium text-brand-700 hover:underline">
            See your pending request
          </Link>
        )}
        {holds && mine.expiresAt && !mine.pendingRequestId && (
          <Link href={`/requests/new?extend=${mine.grantId}`} className={buttonClass("primary")}>
            Extend
          </Link>
        )}
        {holds && <RemoveMyAccessButton grantId={mine.grantId!} what={entitlement.name} />}
        {canRequest && (
          <Link href={`/requests/new?entitlementId=${entitlement.id}`} className={buttonClass("primary")}>
            Request
          </Link>
        )}
        {!mine && !entitlement.requestable && <span className="text-sm text-slate-500">It cannot be requested in Warrant.</span>}
      </div>
    </section>
  );
}

/** On a system's page: the entitlements of it I hold (or am getting, or losing), each with its actions. */
export function MyAccessInSystem({ entitlements }: { entitlements: { id: string; name: string; requestable: boolean; mine: MyHolding | null }[] }) {
  const mine = entitlements.filter((e) => e.mine);
  return (
    <section aria-labelledby="my-system-access-heading" className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="my-system-access">
      <h2 id="my-system-access-heading" className="text-sm font-semibold text-slate-900">
        Your access here
      </h2>
      {mine.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">You hold none of this system&apos;s entitlements. Open one below to request it.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100">
          {mine.map((e) => {
            const l = holdingLabel(e.mine);
            const holds = e.mine?.grantId && (e.mine.status === "ACTIVE" || e.mine.status === "REVOKE_FAILED");
            return (
              <li key={e.id} className="flex flex-wrap items-center gap-3 py-2">
                <Link href={`/catalog/entitlements/${e.id}`} className="font-medium text-brand-700 hover:underline">
                  {e.name}
                </Link>
                {l && <Badge tone={l.tone}>{l.text}</Badge>}
                <span className="flex-1" />
                {holds && e.mine!.expiresAt && !e.mine!.pendingRequestId && (
                  <Link href={`/requests/new?extend=${e.mine!.grantId}`} className={buttonClass("secondary", "px-2 py-1 text-xs")}>
                    Extend
                  </Link>
                )}
                {holds && <RemoveMyAccessButton grantId={e.mine!.grantId!} what={e.name} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** On my profile (or my NHI's page): Extend and Remove my access on one grant I hold. */
export function MyGrantActions({ grantId, what, status, expiresAt }: { grantId: string; what: string; status: string; expiresAt: Date | string | null }) {
  if (status !== "ACTIVE" && status !== "REVOKE_FAILED") return null;
  return (
    <span className="flex flex-wrap items-center gap-2">
      {expiresAt && (
        <Link href={`/requests/new?extend=${grantId}`} className={buttonClass("secondary", "px-2 py-1 text-xs")}>
          Extend
        </Link>
      )}
      <RemoveMyAccessButton grantId={grantId} what={what} />
    </span>
  );
}
