import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues } from "@/server/domain/list";
import { Card, DetailList, PageHeader } from "@/components/ui/card";
import { Badge, PrivilegedBadge, RiskBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { HoldersTable } from "@/components/catalog/holders-table";
import { EntitlementEditor } from "@/components/catalog/entitlement-editor";
import { MyAccess } from "@/components/catalog/my-access";
import { orNotFound, type SearchParams } from "../../_lib/server";

export const metadata = { title: "Entitlement" };

export default async function EntitlementPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const { id } = await params;
  const sp = firstValues(await searchParams);
  const api = await serverCaller();
  // The holders table pages with the table's usual ?page and ?size.
  const page = Math.max(1, Number.parseInt(sp.page ?? "1", 10) || 1);
  const size = Math.min(200, Math.max(5, Number.parseInt(sp.size ?? "25", 10) || 25));
  const e = await orNotFound(api.catalog.entitlementById({ id, holdersPage: page, holdersSize: size }));

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <>
            <Link href="/catalog" className="hover:underline">
              Catalog
            </Link>{" "}
            /{" "}
            <Link href={`/catalog/systems/${e.system.id}`} className="hover:underline">
              {e.system.name}
            </Link>
          </>
        }
        title={
          <span className="inline-flex flex-wrap items-center gap-3">
            {e.name}
            <RiskBadge risk={e.risk} />
            {e.privileged && <PrivilegedBadge />}
            {!e.requestable && <Badge tone="slate">Not requestable</Badge>}
          </span>
        }
        description={e.description || undefined}
      />
      {e.viewer.actsOnAccess && <MyAccess entitlement={{ id: e.id, name: e.name, requestable: e.requestable }} mine={e.mine} />}
      <Card title="Details">
        <DetailList
          items={[
            {
              label: "System",
              value: (
                <Link href={`/catalog/systems/${e.system.id}`} className="text-brand-700 hover:underline">
                  {e.system.name}
                </Link>
              ),
            },
            {
              label: "Owner",
              value: (
                <span>
                  <Link href={`/identities/${e.owner.id}`} className="text-brand-700 hover:underline">
                    {e.owner.name}
                  </Link>
                  {e.ownerIsSystemOwner && <span className="text-slate-500"> (system owner)</span>}
                </span>
              ),
            },
            { label: "Maximum duration", value: `${e.maxDurationDays} days` },
            { label: "Requestable", value: e.requestable ? "Yes" : "No" },
            { label: "External reference", value: e.externalRef ? <span className="font-mono text-xs">{e.externalRef}</span> : null },
            ...(e.issuesCredential
              ? [{ label: "Credential", value: `Each grant issues a login of its own${e.credentialRotateHours ? `, its password rotated every ${e.credentialRotateHours} hours` : ", rotated on demand"}` }]
              : []),
            { label: "Holders", value: e.holderCount },
            { label: "Added", value: formatDateTime(e.createdAt) },
            { label: "Last changed", value: formatDateTime(e.updatedAt) },
          ]}
        />
      </Card>
      {e.viewer.canEdit && (
        <EntitlementEditor
          systemOwnerName={e.system.owner.name}
          connector={e.system.connector}
          initial={{
            id: e.id,
            updatedAt: e.updatedAt,
            systemId: e.system.id,
            name: e.name,
            description: e.description,
            risk: e.risk,
            privileged: e.privileged,
            ownerId: e.ownOwnerId ?? "",
            requestable: e.requestable,
            maxDurationDays: e.maxDurationDays,
            externalRef: e.externalRef ?? "",
            issuesCredential: e.issuesCredential,
            credentialRotateHours: e.credentialRotateHours,
          }}
        />
      )}
      <section aria-labelledby="holders-heading" className="space-y-3">
        <h2 id="holders-heading" className="text-lg font-semibold text-slate-900">
          Who holds it
        </h2>
        {e.holders ? (
          <HoldersTable holders={e.holders} revocableIds={await api.grants.revocable({ entitlementId: e.id })} />
        ) : (
          <p className="rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm text-slate-600">
            {e.holderCount === 1 ? "1 identity holds" : `${e.holderCount} identities hold`} this entitlement. Names are visible to its owners, admins, security and
            auditors.
          </p>
        )}
      </section>
    </div>
  );
}
