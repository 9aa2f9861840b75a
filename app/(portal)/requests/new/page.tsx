import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { ZListEntitlementsInput } from "@/server/domain/catalog/schema";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { RequestableTable } from "@/components/requests/requestable-table";
import { RequestForm } from "@/components/requests/request-form";
import { orNotFound, type SearchParams } from "../_lib/server";

export const metadata = { title: "Request access" };

export default async function NewRequestPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const api = await serverCaller();
  const entitlementId = firstValues(sp).entitlementId;

  if (entitlementId) {
    const [e, beneficiaries] = await Promise.all([orNotFound(api.requests.entitlement({ id: entitlementId })), api.requests.beneficiaryOptions()]);
    return (
      <div className="space-y-6">
        <PageHeader
          eyebrow={
            <Link href="/requests/new" className="hover:underline">
              ← Choose another entitlement
            </Link>
          }
          title={
            <span className="inline-flex flex-wrap items-center gap-3">
              Request {e.name}
              <RiskBadge risk={e.risk} />
              {e.privileged && <PrivilegedBadge />}
              {!e.requestable && <Badge tone="slate">Not requestable</Badge>}
            </span>
          }
          description={`${e.system.name}${e.owner ? ` · owned by ${e.owner.displayName}` : ""}${e.description ? ` · ${e.description}` : ""}`}
        />
        <Card>
          <RequestForm entitlement={{ id: e.id, name: e.name, maxDurationDays: e.maxDurationDays }} beneficiaries={beneficiaries} />
        </Card>
      </div>
    );
  }

  const input = { ...parseListParams(ZListEntitlementsInput, sp), requestable: true };
  const [page, facets] = await Promise.all([api.catalog.listEntitlements(input), api.catalog.facets()]);
  return (
    <div>
      <PageHeader title="Request access" description="Find the access you need and ask for it. The approval policy answers at once: denied with the reasons, granted, or which approvals it needs and who can give them." />
      <RequestableTable page={page} sort={input.sort} dir={input.dir} systems={facets.systems} />
    </div>
  );
}
