"use client";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Card } from "@/components/ui/card";
import { useTRPC } from "@/components/trpc/client";
import { ReasonAction } from "./reason-action";

/** The admin's "Deprovision (leaver)" action on a person's page. */
export function DeprovisionPanel({ identityId, name, grantsInEffect, nhisOwned }: { identityId: string; name: string; grantsInEffect: number; nhisOwned: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [done, setDone] = useState<string | null>(null);
  const deprovision = useMutation(trpc.grants.deprovisionIdentity.mutationOptions());
  return (
    <Card title="Leaver">
      {done ? (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {done}
        </p>
      ) : (
        <div className="flex flex-wrap items-start justify-between gap-3">
          <p className="max-w-xl text-sm text-slate-600">
            Deprovisioning {name} removes every access they hold ({grantsInEffect} now) and flags the {nhisOwned} non-human identit{nhisOwned === 1 ? "y" : "ies"} they own for a new owner, assigned to their manager.
          </p>
          <ReasonAction
            trigger="Deprovision (leaver)"
            triggerVariant="danger"
            label="Reason (e.g. last working day, HR ticket)"
            submits={[
              {
                label: `Deprovision ${name}`,
                variant: "danger",
                run: async (reason) => {
                  const res = await deprovision.mutateAsync({ identityId, reason });
                  setDone(`${name} is deprovisioned: ${res.revokingGrants} access grant${res.revokingGrants === 1 ? " is" : "s are"} being revoked, ${res.nhisFlagged} non-human identit${res.nhisFlagged === 1 ? "y" : "ies"} flagged, ${res.cancelledRequests} pending request${res.cancelledRequests === 1 ? "" : "s"} cancelled, ${res.escalatedStages} approval stage${res.escalatedStages === 1 ? "" : "s"} sent to fallback approvers.`);
                },
              },
            ]}
            onDone={() => router.refresh()}
          />
        </div>
      )}
    </Card>
  );
}
