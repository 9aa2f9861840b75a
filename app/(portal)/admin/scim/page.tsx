import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { hasRoleIn } from "@/components/audit/roles";
import { ScimClients } from "@/components/admin/scim-clients";

export const metadata = { title: "SCIM clients" };
export const dynamic = "force-dynamic";

export default async function ScimClientsPage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to SCIM clients">They are managed by admins and open to security officers and auditors.</ErrorBanner>;
  }
  const clients = await api.scimClients.list();
  const baseUrl = `${(process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, "")}/scim/v2`;
  return (
    <div>
      <PageHeader
        title="SCIM clients"
        description="Identity providers (Okta, Microsoft Entra ID) that push joiners, movers and leavers into Warrant over SCIM 2.0. Each client is a non-human identity with an accountable owner and an expiry; its tokens are shown once, stored only as a hash, rotated with an overlap and revoked at once. Every change is an evidence event."
      />
      <ScimClients clients={clients} baseUrl={baseUrl} canManage={me.roles.includes("ADMIN")} />
    </div>
  );
}
