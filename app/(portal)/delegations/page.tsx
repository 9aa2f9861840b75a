import { serverCaller } from "@/server/trpc/context";
import { PageHeader } from "@/components/ui/card";
import { DelegationsPanel } from "@/components/delegations/delegations-panel";

export const metadata = { title: "Delegations" };

export default async function DelegationsPage() {
  const api = await serverCaller();
  const data = await api.delegations.mine();
  return (
    <div>
      <PageHeader
        title="Delegations"
        description="Out of office? Hand your approvals to a colleague for a window (at most 90 days). Their decisions record that they acted for you. You can revoke a delegation at any time."
      />
      <DelegationsPanel data={data} now={data.now} />
    </div>
  );
}
