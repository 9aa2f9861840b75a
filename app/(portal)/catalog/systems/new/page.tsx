import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { SystemForm } from "@/components/catalog/system-form";
import { canEditCatalog } from "../../_lib/server";

export const metadata = { title: "New system" };

export default async function NewSystemPage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !canEditCatalog(me.roles)) {
    return <ErrorBanner title="Only admins can add systems">Ask an admin to add the system to the catalog.</ErrorBanner>;
  }
  return (
    <div>
      <PageHeader eyebrow="Catalog" title="New system" description="Add an application or platform access is granted in. Its owner answers for who has access to it." />
      <SystemForm mode="create" />
    </div>
  );
}
