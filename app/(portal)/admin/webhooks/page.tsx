import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { hasRoleIn } from "@/components/audit/roles";
import { Webhooks } from "@/components/admin/webhooks";

export const metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

export default async function WebhooksPage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to webhooks">They are managed by admins and security and open to auditors.</ErrorBanner>;
  }
  const { rows, head } = await api.webhooks.list();
  return (
    <div>
      <PageHeader
        title="Webhooks"
        description="Every ledger event, signed and sent to your SIEM or GRC tools as it happens: in seq order, at least once, with the signed checkpoints so the receiver is a witness of the chain. A batch that keeps failing pauses its subscription as a dead letter until it is replayed or skipped. Every change here is an evidence event."
      />
      <Webhooks rows={rows} head={head} canManage={hasRoleIn(me.roles, ["ADMIN", "SECURITY"])} />
    </div>
  );
}
