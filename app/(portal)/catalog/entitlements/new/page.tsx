import { serverCaller } from "@/server/trpc/context";
import { firstValues } from "@/server/domain/list";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { EntitlementForm } from "@/components/catalog/entitlement-form";
import { canEditCatalog, type SearchParams } from "../../_lib/server";

export const metadata = { title: "New entitlement" };

export default async function NewEntitlementPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !canEditCatalog(me.roles)) {
    return <ErrorBanner title="Only admins can add entitlements">Ask an admin to add the entitlement to the catalog.</ErrorBanner>;
  }
  const { systems } = await api.catalog.facets();
  const wanted = firstValues(await searchParams).systemId;
  const systemId = systems.some((s) => s.id === wanted) ? wanted! : "";
  const systemName = systems.find((s) => s.id === systemId)?.name;
  return (
    <div>
      <PageHeader
        eyebrow="Catalog"
        title={systemName ? `New entitlement in ${systemName}` : "New entitlement"}
        description="A specific role, group or permission people can hold in a system."
      />
      <EntitlementForm
        mode="create"
        systems={systems}
        initial={{ systemId, name: "", description: "", risk: "LOW", privileged: false, ownerId: "", requestable: true, maxDurationDays: 90, externalRef: "" }}
      />
    </div>
  );
}
