import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { CampaignForm, type EntitlementOption, type SystemOption } from "@/components/campaigns/campaign-form";

export const metadata = { title: "New campaign" };

export default async function NewCampaignPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const api = await serverCaller();
  const me = await api.me.profile();
  const isAdmin = !!me?.roles.includes("ADMIN");

  // Systems (a system owner: only theirs) and their entitlements, for the scope pickers.
  const systemRows = (await api.catalog.listSystems({ size: 200, sort: "name" })).rows;
  const systems: SystemOption[] = systemRows.filter((s) => isAdmin || s.ownerId === me?.id).map((s) => ({ id: s.id, name: s.name, ownerName: s.ownerName }));
  const entitlements: EntitlementOption[] = [];
  for (let page = 1; page <= 20; page++) {
    const res = await api.catalog.listEntitlements({ size: 200, page, sort: "name" });
    for (const e of res.rows) if (systems.some((s) => s.id === e.systemId)) entitlements.push({ id: e.id, name: e.name, systemId: e.systemId, risk: e.risk, privileged: e.privileged });
    if (page * res.size >= res.total) break;
  }

  const header = (
    <PageHeader
      eyebrow={
        <Link href="/campaigns" className="hover:underline">
          ← Access reviews
        </Link>
      }
      title="New campaign"
      description="Define what is reviewed, by whom and by when. The campaign is saved as a draft; launching it takes the snapshot of the access in scope and assigns the items."
    />
  );
  if (!me || (!isAdmin && systems.length === 0)) {
    return (
      <div>
        {header}
        <EmptyState title="You cannot define a campaign">Admins define campaigns over any system; system owners over the systems they own.</EmptyState>
      </div>
    );
  }
  // ?system=<id> (a system's onboarding links here): that system in scope, a name saying what the review is for.
  const preset = typeof sp.system === "string" ? systems.find((s) => s.id === sp.system) : undefined;
  const initial = preset ? { systemIds: [preset.id], name: `First review: ${preset.name}` } : undefined;
  // A system owner is not proposed as the fallback reviewer (they usually hold access in their own systems):
  // their manager is, when they have an active one; else nobody, and the form asks.
  const self = isAdmin ? null : await api.identities.byId({ id: me.id }).catch(() => null);
  const manager = self?.manager && self.manager.status === "ACTIVE" ? { id: self.manager.id, name: self.manager.displayName } : null;
  return (
    <div>
      {header}
      <Card>
        <CampaignForm
          systems={systems}
          entitlements={entitlements}
          me={{ id: me.id, name: me.displayName }}
          isAdmin={isAdmin}
          now={new Date().toISOString()}
          defaultFallback={isAdmin ? undefined : manager}
          initial={initial}
        />
      </Card>
    </div>
  );
}
