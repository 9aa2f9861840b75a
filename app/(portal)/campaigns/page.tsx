import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListCampaignsInput } from "@/server/domain/campaigns/schema";
import { Card, PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { formatDate } from "@/components/ui/format";
import { CampaignsTable } from "@/components/campaigns/campaigns-table";
import { ProgressBar } from "@/components/campaigns/progress-bar";
import { plural } from "@/components/campaigns/labels";
import type { SearchParams } from "./_lib/server";

export const metadata = { title: "Access reviews" };

export default async function CampaignsPage({ searchParams }: { searchParams: SearchParams }) {
  const api = await serverCaller();
  const input = parseListParams(ZListCampaignsInput, await searchParams);
  const [me, page, mine] = await Promise.all([api.me.profile(), api.campaigns.list(input), api.campaigns.myProgress({})]);
  const canCreate = !!me && (me.roles.includes("ADMIN") || me.ownsSystems);
  const isAuditorOnly = !!me && me.roles.includes("AUDITOR");
  // My items per active campaign on this page (a handful of campaigns: one small count each).
  const active = page.rows.filter((r) => r.status === "ACTIVE");
  const perCampaign = isAuditorOnly ? [] : (await Promise.all(active.map(async (c) => ({ c, p: await api.campaigns.myProgress({ campaignId: c.id }) })))).filter((x) => x.p.total > 0);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Access reviews"
        description="Certification campaigns: every grant in scope is reviewed by the right person, who keeps or revokes it with the context to decide. Closing applies the decisions through the connectors and keeps the evidence."
        actions={canCreate ? <LinkButton href="/campaigns/new">New campaign</LinkButton> : undefined}
      />
      {!isAuditorOnly && (
        <Card title="My reviews">
          {mine.total === 0 ? (
            <p className="text-sm text-slate-600">No review items are assigned to you in active campaigns.</p>
          ) : (
            <div className="space-y-4">
              <div className="max-w-xl">
                <p className="mb-1 text-sm text-slate-700">
                  {mine.total - mine.decided === 0 ? "All your items are decided. Thank you." : `${plural(mine.total - mine.decided, "item")} waiting for your decision.`}
                </p>
                <ProgressBar done={mine.decided} defaulted={mine.defaulted} total={mine.total} label="My review progress across active campaigns" />
              </div>
              {perCampaign.length > 0 && (
                <ul className="divide-y divide-slate-100 text-sm">
                  {perCampaign.map(({ c, p }) => (
                    <li key={c.id} className="flex flex-wrap items-center justify-between gap-3 py-2">
                      <span>
                        <span className="font-medium text-slate-900">{c.name}</span> <span className="text-xs text-slate-500">due {formatDate(c.dueAt)}</span>
                      </span>
                      <span className="flex items-center gap-3">
                        <span className="w-48">
                          <ProgressBar done={p.decided} defaulted={p.defaulted} total={p.total} label={`My progress in ${c.name}`} size="sm" />
                        </span>
                        <Link href={`/campaigns/${c.id}/review`} className="font-medium text-brand-700 hover:underline">
                          Review my items →
                        </Link>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Card>
      )}
      <CampaignsTable rows={page.rows} total={page.total} page={page.page} size={page.size} sort={input.sort} dir={input.dir} now={new Date().toISOString()} />
    </div>
  );
}
