import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZSearchGrantsInput } from "@/server/domain/audit/schema";
import { PageHeader } from "@/components/ui/card";
import { AuditGrantsTable } from "@/components/audit/grants-table";

export const metadata = { title: "Grant lineage" };

export default async function AuditGrantsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const input = parseListParams(ZSearchGrantsInput, await searchParams);
  const page = await api.audit.grants(input);
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href="/audit" className="hover:underline">
            Audit
          </Link>
        }
        title="Grant lineage"
        description="Find a grant by its holder (name or email), entitlement or system, or paste a grant or request id. Open it to see its whole chain, each link verified against the evidence ledger."
      />
      <AuditGrantsTable page={page} sort={input.sort} dir={input.dir} />
    </div>
  );
}
