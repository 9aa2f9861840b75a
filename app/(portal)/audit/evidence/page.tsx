import { serverCaller } from "@/server/trpc/context";
import { Card, PageHeader } from "@/components/ui/card";
import { hasRoleIn } from "@/components/audit/roles";
import { PublicKeyCard } from "@/components/evidence/public-key-card";
import { ExportForm } from "@/components/evidence/export-form";
import { ExportsList } from "@/components/evidence/exports-list";

export const metadata = { title: "Evidence packs" };

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export default async function EvidencePage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  const [key, options, exports] = await Promise.all([api.evidence.publicKey(), api.evidence.formOptions(), api.evidence.myExports()]);
  const today = new Date();
  const defaultFrom = isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 3, today.getUTCDate())));
  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow="Audit"
        title="Evidence packs"
        description="A signed zip of everything an auditor needs for a period: the grant population, requests, approvals with their authority, provisioning receipts, review decisions, revocations, policy versions, control checks and the ledger events, linked to a signed checkpoint. It can be verified offline by anyone holding the public key."
      />
      <PublicKeyCard keyId={key.keyId} publicKeyPem={key.publicKeyPem} previous={key.previous} />
      <Card title="Export a pack">
        <ExportForm options={{ systems: options.systems, campaigns: options.campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status })) }} defaultFrom={defaultFrom} defaultTo={isoDay(today)} />
      </Card>
      <section aria-labelledby="exports-heading" className="space-y-3">
        <h2 id="exports-heading" className="text-lg font-semibold text-slate-900">
          {me && hasRoleIn(me.roles, ["ADMIN", "AUDITOR"]) ? "Exports" : "Your exports"}
        </h2>
        <p className="text-sm text-slate-600" data-testid="evidence-retention">
          Packs are kept for {options.retentionDays} {options.retentionDays === 1 ? "day" : "days"} after they are built. After that the file is removed and the
          pack shows as expired; its SHA-256 stays here and in the ledger as the record of what was delivered. Export the period again to get a new pack.
        </p>
        <ExportsList initial={exports} retentionDays={options.retentionDays} />
      </section>
    </div>
  );
}
