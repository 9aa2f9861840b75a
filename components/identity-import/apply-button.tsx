"use client";
/** Applies a previewed import in one step; refused (and said so) when the preview went stale or has invalid rows. */
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/components/trpc/client";
import { Button } from "@/components/ui/button";
import { notify } from "@/components/ui/toast";

export function ApplyButton({ id, changes }: { id: string; changes: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const apply = useMutation(trpc.identityImport.applyPreview.mutationOptions());
  return (
    <Button
      disabled={apply.isPending}
      onClick={() =>
        apply.mutate(
          { id },
          {
            onSuccess: () => {
              notify.success("Import applied", `${changes.toLocaleString("en")} change${changes === 1 ? "" : "s"} made, each recorded in the ledger.`);
              router.refresh();
            },
            onError: (e) => notify.error(e),
          },
        )
      }
    >
      {apply.isPending ? "Applying…" : `Apply ${changes.toLocaleString("en")} change${changes === 1 ? "" : "s"}`}
    </Button>
  );
}
