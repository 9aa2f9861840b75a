import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { ZListEntitlementsInput } from "@/server/domain/catalog/schema";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { Badge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { RequestableTable } from "@/components/requests/requestable-table";
import { RequestForm } from "@/components/requests/request-form";
import { LinkButton } from "@/components/ui/button";
import type { ExtensionPrefill } from "@/server/domain/requests/queries";
import { orNotFound, type SearchParams } from "../_lib/server";

export const metadata = { title: "Request access" };

export default async function NewRequestPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const api = await serverCaller();
  const { entitlementId, extend } = firstValues(sp);

  if (extend) return <ExtendAccess x={await orNotFound(api.requests.extension({ grantId: extend }))} />;

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

function expiresText(x: ExtensionPrefill): string {
  if (x.expired) return "its end date has passed";
  if (x.daysLeft === null) return "no end date";
  if (x.daysLeft === 0) return "expires in less than a day";
  return `expires in ${x.daysLeft} day${x.daysLeft === 1 ? "" : "s"}`;
}

/** One-click extension from the expiry warning: the same entitlement and holder, a justification again. */
function ExtendAccess({ x }: { x: ExtensionPrefill }) {
  const e = x.entitlement;
  const whose = x.beneficiary.isMe ? "your" : `${x.beneficiary.displayName}'s`;
  const header = (
    <PageHeader
      eyebrow={
        <Link href="/requests" className="hover:underline">
          ← My requests
        </Link>
      }
      title={
        <span className="inline-flex flex-wrap items-center gap-3">
          Extend {whose} access to {e.name} ({expiresText(x)})
          <RiskBadge risk={e.risk} />
          {e.privileged && <PrivilegedBadge />}
        </span>
      }
      description={`${e.system.name}${e.owner ? ` · owned by ${e.owner.displayName}` : ""}. An extension is a new request: give the justification again; the approval policy decides it like any request, and the extension starts when the current access ends.`}
    />
  );
  if (x.pendingRequestId) {
    return (
      <div className="space-y-6">
        {header}
        <EmptyState title="There is already a pending request for this access" action={<LinkButton href={`/requests/${x.pendingRequestId}`}>Follow that request</LinkButton>}>
          Only one request for the same access can be pending at a time.
        </EmptyState>
      </div>
    );
  }
  if (x.blocked) {
    return (
      <div className="space-y-6">
        {header}
        <EmptyState title="This access cannot be extended" action={<LinkButton href={`/requests/new?entitlementId=${e.id}`}>Request {e.name} again</LinkButton>}>
          {x.blocked}
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="space-y-6">
      {header}
      <Card>
        <RequestForm
          entitlement={{ id: e.id, name: e.name, maxDurationDays: e.maxDurationDays }}
          beneficiaries={[{ id: x.beneficiary.id, name: x.beneficiary.name, kind: x.beneficiary.kind }]}
          extendsGrantId={x.grantId}
        />
      </Card>
    </div>
  );
}
