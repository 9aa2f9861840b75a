import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListLedgerEvents } from "@/server/ledger/queries";
import { PageHeader, ErrorBanner } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { LedgerTable } from "@/components/audit/ledger-table";
import { hasRoleIn } from "@/components/audit/roles";

export const metadata = { title: "Evidence ledger" };

export default async function LedgerPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to the evidence ledger">It is open to admins, security officers and auditors.</ErrorBanner>;
  }
  const input = parseListParams(ZListLedgerEvents, await searchParams);
  const [status, page, facets] = await Promise.all([api.ledger.status(), api.ledger.list(input), api.ledger.facets()]);
  return (
    <div>
      <PageHeader
        title="Evidence ledger"
        description="Every change in Warrant is an event in one append-only, hash-chained sequence. Each event's hash covers the event and the hash before it, so any edit, removal or reordering breaks the chain."
        actions={
          status.intact ? (
            <Badge tone="green">Chain intact · {status.eventsChecked.toLocaleString("en-GB")} events verified</Badge>
          ) : (
            <Badge tone="red">Chain broken at event {status.firstBroken?.seq}</Badge>
          )
        }
      />
      {!status.intact && (
        <div className="mb-4">
          <ErrorBanner title={`The chain is broken at event ${status.firstBroken?.seq}`}>{status.firstBroken?.reason}</ErrorBanner>
        </div>
      )}
      <LedgerTable page={page} dir={input.dir} actions={facets.actions} subjectTypes={facets.subjectTypes} />
    </div>
  );
}
