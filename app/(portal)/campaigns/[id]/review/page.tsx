import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { ZMyItemsInput } from "@/server/domain/campaigns/schema";
import { PageHeader, NoticeBanner } from "@/components/ui/card";
import { formatDate } from "@/components/ui/format";
import { ReviewTable } from "@/components/campaigns/review-table";
import { ProgressBar } from "@/components/campaigns/progress-bar";
import { CampaignStatusBadge } from "@/components/campaigns/status-badge";
import { orNotFound, type SearchParams } from "../../_lib/server";

export const metadata = { title: "My review items" };

const STATES = [
  { value: "open", label: "To decide" },
  { value: "decided", label: "Decided" },
  { value: "all", label: "All" },
] as const;

export default async function ReviewPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const { id } = await params;
  const sp = await searchParams;
  const api = await serverCaller();
  const c = await orNotFound(api.campaigns.byId({ id }));
  const input = { ...parseListParams(ZMyItemsInput, sp), campaignId: id };
  const [page, progress, facets] = await Promise.all([api.campaigns.myItems(input), api.campaigns.myProgress({ campaignId: id }), api.catalog.facets()]);
  const active = c.status === "ACTIVE";
  const scopeSystems = c.scope.systemIds.length ? facets.systems.filter((s) => c.scope.systemIds.includes(s.id)) : facets.systems;

  const stateHref = (state: string) => {
    const next = new URLSearchParams(firstValues(sp));
    next.delete("page");
    next.set("state", state);
    return `/campaigns/${id}/review?${next.toString()}`;
  };

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href={`/campaigns/${id}`} className="hover:underline">
            ← {c.name}
          </Link>
        }
        title={
          <span className="inline-flex flex-wrap items-center gap-3">
            My review items <CampaignStatusBadge status={c.status} />
          </span>
        }
        description={`Decide whether each access is still needed: keep it, or revoke it (removed from the target system when the campaign closes). Due ${formatDate(c.dueAt)}. A comment is required to keep privileged access or access of unverified origin.`}
      />
      <div className="max-w-xl">
        <ProgressBar done={progress.decided} defaulted={progress.defaulted} total={progress.total} label="My items decided" />
      </div>
      {!active && (
        <NoticeBanner>
          {c.status === "DRAFT" ? "This campaign is not launched yet: there is nothing to decide." : "This campaign is closed for decisions: the items below are read only."}
        </NoticeBanner>
      )}
      <nav aria-label="Item state" className="inline-flex flex-wrap rounded-lg border border-slate-200 bg-white p-1 shadow-sm">
        {STATES.map((s) => {
          const on = input.state === s.value;
          return (
            <Link
              key={s.value}
              href={stateHref(s.value)}
              aria-current={on ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${on ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
            >
              {s.label}
              {s.value === "open" && <span className="text-xs text-slate-500"> ({progress.total - progress.decided - progress.defaulted})</span>}
              {s.value === "decided" && <span className="text-xs text-slate-500"> ({progress.decided + progress.defaulted})</span>}
            </Link>
          );
        })}
      </nav>
      <ReviewTable
        campaignId={id}
        rows={page.rows}
        total={page.total}
        page={page.page}
        size={page.size}
        sort={input.sort}
        dir={input.dir}
        systems={scopeSystems}
        active={active}
        filter={{ state: input.state, systemId: input.systemId, risk: input.risk, origin: input.origin, q: input.q }}
      />
    </div>
  );
}
