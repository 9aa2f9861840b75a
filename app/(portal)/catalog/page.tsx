import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListSystemsInput } from "@/server/domain/catalog/schema";
import { PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { SystemsTable } from "@/components/catalog/systems-table";
import { canEditCatalog, type SearchParams } from "./_lib/server";

export const metadata = { title: "Systems" };

export default async function CatalogPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const input = parseListParams(ZListSystemsInput, await searchParams);
  const [me, page] = await Promise.all([api.me.profile(), api.catalog.listSystems(input)]);
  return (
    <div>
      <PageHeader
        title="Systems"
        description="The systems access is granted in, who owns them and how access is provisioned. Open a system to see its entitlements."
        actions={
          <>
            <LinkButton href="/catalog/entitlements" variant="secondary">
              All entitlements
            </LinkButton>
            {me && canEditCatalog(me.roles) && <LinkButton href="/catalog/systems/new">New system</LinkButton>}
          </>
        }
      />
      <SystemsTable page={page} sort={input.sort} dir={input.dir} />
    </div>
  );
}
