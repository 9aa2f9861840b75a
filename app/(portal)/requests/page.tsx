import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListMyRequestsInput } from "@/server/domain/requests/schema";
import { PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { MyRequestsTable } from "@/components/requests/my-requests-table";
import type { SearchParams } from "./_lib/server";

export const metadata = { title: "My requests" };

export default async function MyRequestsPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const input = parseListParams(ZListMyRequestsInput, await searchParams);
  const page = await api.requests.mine(input);
  return (
    <div>
      <PageHeader
        title="My requests"
        description="Requests you made (for yourself, a non-human identity you own, or someone you asked for) and requests others made for you. Open one to follow its approvals and timeline, or to cancel or change it while it is pending."
        actions={<LinkButton href="/requests/new">Request access</LinkButton>}
      />
      <MyRequestsTable page={page} sort={input.sort} dir={input.dir} />
    </div>
  );
}
