"use client";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { ReasonAction } from "./reason-action";

/** "Revoke" on a grant row, for its owners, admins and security officers: asks for a reason. */
export function RevokeGrantButton({ grantId, what }: { grantId: string; what: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const revoke = useMutation(trpc.grants.revoke.mutationOptions());
  return (
    <ReasonAction
      trigger="Revoke"
      triggerVariant="secondary"
      label={`Why revoke ${what}?`}
      hint="The holder is told. The connector removes the access; it shows as revoked once the target system confirms."
      submits={[{ label: "Revoke access", variant: "danger", run: (reason) => revoke.mutateAsync({ grantId, reason }), done: "Revocation started: the access is being removed." }]}
      onDone={() => router.refresh()}
    />
  );
}
