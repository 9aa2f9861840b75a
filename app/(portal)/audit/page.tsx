import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";

export const metadata = { title: "Audit" };

const TOOLS = [
  { href: "/audit/ledger", title: "Evidence ledger", body: "Every event in the hash chain, filtered by time, actor, action and subject; each event's link checked." },
  { href: "/audit/grants", title: "Grant lineage", body: "Find a grant by holder or entitlement and see its whole chain: request, policy, approvals, provisioning, reviews, revocation." },
  { href: "/audit/access-as-of", title: "Access as of a date", body: "Who held which entitlement in a system on a given day (UTC)." },
  { href: "/audit/controls", title: "Control checks", body: "Five controls, each with its population, its exceptions and a reproducible sampling export." },
  { href: "/audit/evidence", title: "Evidence packs", body: "Export a signed, offline-verifiable pack for a period and a scope." },
];

export default async function AuditHub() {
  const api = await serverCaller();
  const status = await api.ledger.status();
  return (
    <div>
      <PageHeader
        title="Audit"
        description="Read-only evidence for auditors: everything here is computed from the database and checked against the evidence ledger. Nothing on these pages changes anything."
        actions={
          status.intact ? (
            <Badge tone="green">Ledger chain intact · {status.eventsChecked.toLocaleString("en-GB")} events</Badge>
          ) : (
            <Badge tone="red">Ledger chain broken at event {status.firstBroken?.seq}</Badge>
          )
        }
      />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {TOOLS.map((t) => (
          <li key={t.href}>
            <Link href={t.href} className="block h-full rounded-lg border border-slate-200 bg-white p-4 shadow-sm transition hover:border-brand-300 hover:shadow focus:outline-none focus:ring-2 focus:ring-brand-500/40">
              <h2 className="text-sm font-semibold text-slate-900">{t.title}</h2>
              <p className="mt-1 text-sm text-slate-600">{t.body}</p>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
