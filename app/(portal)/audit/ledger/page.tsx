import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListLedgerEvents } from "@/server/ledger/queries";
import { PageHeader, ErrorBanner } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { LedgerTable } from "@/components/audit/ledger-table";
import { UrlFilterForm } from "@/components/audit/url-filter-form";

export const metadata = { title: "Evidence ledger" };

export default async function LedgerPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const input = parseListParams(ZListLedgerEvents, await searchParams);
  const [status, page, facets, actor] = await Promise.all([
    api.ledger.status(),
    api.ledger.list(input),
    api.ledger.facets(),
    input.actorId ? api.identities.byId({ id: input.actorId }).catch(() => null) : Promise.resolve(null),
  ]);
  const brokenOnPage = page.rows.filter((r) => !r.link.ok).length;
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href="/audit" className="hover:underline">
            Audit
          </Link>
        }
        title="Evidence ledger"
        description="Every change in Warrant is an event in one append-only, hash-chained sequence. Each event's hash covers the event and the hash before it, so any edit, removal or reordering breaks the chain. Each row below is checked on its own: its hash is recomputed and compared, and its link to the event before it is verified."
        actions={
          status.intact ? (
            <Badge tone="green">Chain intact · {status.eventsChecked.toLocaleString("en-GB")} events verified</Badge>
          ) : (
            <Badge tone="red">Chain broken at event {status.firstBroken?.seq}</Badge>
          )
        }
      />
      {status.intact ? (
        <div role="status" className="mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
          <span className="font-medium">Chain intact.</span> All {status.eventsChecked.toLocaleString("en-GB")} events, from the first to the head (seq {status.headSeq}), recompute and link.
        </div>
      ) : (
        <div className="mb-4">
          <ErrorBanner title={`The chain is broken at event ${status.firstBroken?.seq}`}>{status.firstBroken?.reason}</ErrorBanner>
        </div>
      )}
      {brokenOnPage > 0 && status.intact && (
        <div className="mb-4">
          <ErrorBanner title={`${brokenOnPage} event${brokenOnPage === 1 ? "" : "s"} on this page fail their link check`}>See the Link column for the reason.</ErrorBanner>
        </div>
      )}
      <UrlFilterForm
        fields={[
          { key: "from", label: "From (UTC day)", type: "date" },
          { key: "to", label: "To (UTC day)", type: "date" },
          { key: "subjectId", label: "Subject id", type: "text", placeholder: "e.g. a grant or request id" },
          { key: "actorId", label: "Actor", type: "identity", initialName: actor ? ((actor as { displayName?: string }).displayName ?? null) : null, hint: "Events done by this identity." },
        ]}
      />
      <LedgerTable page={page} dir={input.dir} actions={facets.actions} subjectTypes={facets.subjectTypes} />
    </div>
  );
}
