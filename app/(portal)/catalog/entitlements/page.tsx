import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListEntitlementsInput } from "@/server/domain/catalog/schema";
import { PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { EntitlementsTable } from "@/components/catalog/entitlements-table";
import { canEditCatalog, type SearchParams } from "../_lib/server";

export const metadata = { title: "Entitlements" };

export default async function EntitlementsPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const input = parseListParams(ZListEntitlementsInput, await searchParams);
  const [me, page, facets] = await Promise.all([api.me.profile(), api.catalog.listEntitlements(input), api.catalog.facets()]);
  return (
    <div>
      <PageHeader
        title="Entitlements"
        description="Every role, group and permission in the catalog, across systems. Privileged and critical-risk access can be granted for at most 90 days."
        actions={
          <>
            <LinkButton href="/catalog" variant="secondary">
              Systems
            </LinkButton>
            {me && canEditCatalog(me.roles) && <LinkButton href={input.systemId ? `/catalog/entitlements/new?systemId=${input.systemId}` : "/catalog/entitlements/new"}>New entitlement</LinkButton>}
          </>
        }
      />
      <EntitlementsTable page={page} sort={input.sort} dir={input.dir} systems={facets.systems} />
    </div>
  );
}
