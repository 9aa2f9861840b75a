import Link from "next/link";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { serverCaller } from "@/server/trpc/context";
import { PageHeader } from "@/components/ui/card";
import { LineageView } from "@/components/audit/lineage-view";

export const metadata = { title: "Grant lineage" };

export default async function GrantLineagePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const lineage = await api.audit.lineage({ grantId: id }).catch((e: unknown) => {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) notFound();
    throw e;
  });
  const g = lineage.grant;
  return (
    <div>
      <PageHeader
        eyebrow={
          <>
            <Link href="/audit" className="hover:underline">
              Audit
            </Link>{" "}
            /{" "}
            <Link href="/audit/grants" className="hover:underline">
              Grant lineage
            </Link>
          </>
        }
        title={`${g.holder.name} — ${g.entitlement.name}`}
        description={`The whole chain behind this grant in ${g.system.name}, each link checked against the evidence ledger: the event recording the step exists and its hash recomputes and links to the event before it.`}
      />
      <LineageView l={lineage} />
    </div>
  );
}
