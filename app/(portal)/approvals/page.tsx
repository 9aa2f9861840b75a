import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZInboxInput } from "@/server/domain/approvals/schema";
import { PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { InboxTable } from "@/components/approvals/inbox-table";
import type { SearchParams } from "../requests/_lib/server";

export const metadata = { title: "Approvals" };

export default async function ApprovalsPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const input = parseListParams(ZInboxInput, await searchParams);
  const [page, facets] = await Promise.all([api.approvals.inbox(input), api.approvals.facets()]);
  return (
    <div>
      <PageHeader
        title="Approvals"
        description="Requests waiting for your decision, as manager, owner, security or a delegate. Open one to see its timeline and the person's current access, then approve or deny (a reason is required to deny)."
        actions={
          <LinkButton href="/delegations" variant="secondary">
            Delegations
          </LinkButton>
        }
      />
      <InboxTable page={page} sort={input.sort} dir={input.dir} systems={facets.systems} />
    </div>
  );
}
