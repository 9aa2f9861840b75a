import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { KindBadge, RiskBadge } from "@/components/ui/badge";
import { formatDate, relativeDays } from "@/components/ui/format";
import { WorkTiles, type WorkTile } from "@/components/home/work-tiles";
import { ExtendButton } from "@/components/home/extend-button";
import { DashboardCharts } from "@/components/home/dashboard-charts";
import type { HomeSummary } from "@/server/domain/home/queries";

export const metadata = { title: "Home" };

/** Home is "my work": what waits for me, what expires soon, what I own, then my role's charts. One call. */
export default async function HomePage() {
  const api = await serverCaller();
  const s = await api.home.summary();
  const firstName = s.me.displayName.split(" ")[0] ?? "";
  const hasCharts = Object.entries(s.charts).some(([k, v]) => k !== "ageingScope" && v !== null && !(Array.isArray(v) && v.length === 0 && k === "burndown"));
  return (
    <div className="space-y-8">
      <PageHeader title={`Hello, ${firstName}`} description="What waits for you, what expires soon, and what you are accountable for." />

      <section aria-labelledby="home-waiting" className="space-y-3">
        <h2 id="home-waiting" className="text-base font-semibold text-slate-900">
          Waiting for you
        </h2>
        <WorkTiles tiles={workTiles(s)} />
      </section>

      {/* min-w-0: a grid item is otherwise as wide as its longest line, and a phone scrolls sideways. */}
      <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
        <Card title={`Expiring in the next 14 days${s.expiringSoon.length ? ` (${s.expiringSoon.length})` : ""}`}>
          {s.expiringSoon.length === 0 ? (
            <EmptyState title="Nothing of yours expires in the next 14 days." />
          ) : (
            <ul className="divide-y divide-slate-100" data-testid="expiring-soon">
              {s.expiringSoon.map((g) => (
                <li key={g.id} className="flex flex-wrap items-center justify-between gap-x-3 gap-y-2 py-2" data-testid="expiring-item">
                  <div className="min-w-0">
                    <Link href={`/catalog/entitlements/${g.entitlementId}`} className="text-sm font-medium text-brand-700 hover:underline">
                      {g.entitlement}
                    </Link>
                    <p className="text-xs text-slate-500">
                      {g.system}
                      {!g.holder.isMe && <> · held by {g.holder.name}</>}
                    </p>
                  </div>
                  <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                    <RiskBadge risk={g.risk} />
                    <span className="whitespace-nowrap text-sm text-amber-800" title={formatDate(g.expiresAt)}>
                      expires {relativeDays(g.expiresAt)}
                    </span>
                    <ExtendButton
                      target={{ grantId: g.id, entitlementId: g.entitlementId, entitlement: g.entitlement, system: g.system, holderId: g.holder.id, hours: g.extendHours, pendingRequestId: g.pendingRequestId }}
                    />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="What you own">
          <Owned s={s} />
        </Card>
      </div>

      {s.org && <OrgTotals org={s.org} />}

      {hasCharts && (
        <section aria-labelledby="home-dashboard" className="space-y-3">
          <h2 id="home-dashboard" className="text-base font-semibold text-slate-900">
            Dashboard
          </h2>
          <DashboardCharts charts={s.charts} />
        </section>
      )}
    </div>
  );
}

function workTiles(s: HomeSummary): WorkTile[] {
  const auditorOnly = s.me.roles.includes("AUDITOR");
  const tiles: WorkTile[] = [];
  if (!auditorOnly) {
    tiles.push({ key: "approvals", label: "Approvals to decide", count: s.work.approvals, href: "/approvals" });
    tiles.push({ key: "reviews", label: "Review items", count: s.work.reviewItems, href: "/campaigns", detail: "in active campaigns" });
  }
  if (s.work.tasks) {
    const { awaiting, failed } = s.work.tasks;
    tiles.push({ key: "tasks", label: "Tasks", count: awaiting + failed, href: failed > 0 && awaiting === 0 ? "/tasks?view=failed" : "/tasks", detail: `${awaiting} to confirm · ${failed} failed`, tone: failed > 0 ? "red" : undefined });
  }
  if (s.work.openFindings !== null) tiles.push({ key: "findings", label: "Open findings", count: s.work.openFindings, href: "/findings?status=OPEN", tone: "amber" });
  if (!auditorOnly) tiles.push({ key: "requests", label: "My open requests", count: s.work.openRequests, href: "/requests?status=PENDING", detail: "waiting for approval" });
  return tiles;
}

function Owned({ s }: { s: HomeSummary }) {
  const o = s.owned;
  const nothing = o.systemCount === 0 && o.entitlementCount === 0 && o.nhiCount === 0;
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-2 gap-3 text-sm">
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Access you hold</dt>
          <dd>
            <Link href={`/identities/${s.me.id}`} className="text-xl font-semibold tabular-nums text-brand-700 hover:underline" data-testid="my-grants">
              {s.myGrants.toLocaleString("en-GB")}
            </Link>
          </dd>
        </div>
        {s.reports > 0 && (
          <div>
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">People reporting to you</dt>
            <dd>
              <Link href={`/identities?manager=${s.me.id}`} className="text-xl font-semibold tabular-nums text-brand-700 hover:underline">
                {s.reports.toLocaleString("en-GB")}
              </Link>
            </dd>
          </div>
        )}
      </dl>
      {nothing ? (
        <p className="text-sm text-slate-600">You own no systems, entitlements or non-human identities.</p>
      ) : (
        <>
          <OwnedList title="Systems" count={o.systemCount} testId="owned-systems" items={o.systems.map((x) => ({ id: x.id, href: `/catalog/systems/${x.id}`, name: x.name, aside: `${x.entitlements} entitlements` }))} />
          <OwnedList
            title="Entitlements"
            count={o.entitlementCount}
            testId="owned-entitlements"
            items={o.entitlements.map((x) => ({ id: x.id, href: `/catalog/entitlements/${x.id}`, name: x.name, sub: x.system, aside: `${x.holders} ${x.holders === 1 ? "holder" : "holders"}` }))}
          />
          <OwnedList
            title="Non-human identities"
            count={o.nhiCount}
            testId="owned-nhis"
            items={o.nhis.map((n) => {
              const expired = n.credentialExpiresAt !== null && new Date(n.credentialExpiresAt) < new Date();
              return { id: n.id, href: `/identities/${n.id}`, name: n.displayName, badge: <KindBadge kind={n.kind} />, aside: n.credentialExpiresAt ? `credential ${expired ? "expired" : "expires"} ${relativeDays(n.credentialExpiresAt)}` : undefined, alert: expired };
            })}
          />
        </>
      )}
    </div>
  );
}

type OwnedItem = { id: string; href: string; name: string; sub?: string; aside?: string; badge?: React.ReactNode; alert?: boolean };

function OwnedList({ title, count, items, testId }: { title: string; count: number; items: OwnedItem[]; testId: string }) {
  if (count === 0) return null;
  return (
    <div data-testid={testId}>
      <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">
        {title} <span className="tabular-nums">({count})</span>
      </h3>
      <ul className="divide-y divide-slate-100">
        {items.map((it) => (
          <li key={it.id} className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 py-1.5">
            <span className="min-w-0">
              <Link href={it.href} className="text-sm font-medium text-brand-700 hover:underline">
                {it.name}
              </Link>
              {it.sub && <span className="ml-2 text-xs text-slate-500">{it.sub}</span>}
            </span>
            <span className="flex items-center gap-2">
              {it.badge}
              {it.aside && <span className={`text-xs ${it.alert ? "text-red-700" : "text-slate-500"}`}>{it.aside}</span>}
            </span>
          </li>
        ))}
      </ul>
      {count > items.length && <p className="pt-1 text-xs text-slate-500">and {count - items.length} more</p>}
    </div>
  );
}

function OrgTotals({ org }: { org: NonNullable<HomeSummary["org"]> }) {
  const n = (c: { value: number; capped: boolean }) => `${c.value.toLocaleString("en-GB")}${c.capped ? "+" : ""}`;
  const stats: { label: string; value: string; href?: string; tone?: string; hint?: string }[] = [
    { label: "Systems", value: org.systems.toLocaleString("en-GB"), href: "/catalog" },
    { label: "Entitlements", value: org.entitlements.toLocaleString("en-GB"), href: "/catalog/entitlements" },
    { label: "Active grants", value: n(org.activeGrants), href: "/audit/grants" },
    { label: "Origin unverified", value: n(org.unverifiedGrants), tone: org.unverifiedGrants.value ? "text-amber-700" : undefined, hint: "Standing access with no approved request behind it" },
    { label: "Past expiry, still active", value: n(org.overdueGrants), tone: org.overdueGrants.value ? "text-red-700" : undefined },
  ];
  return (
    <Card title="Organisation at a glance">
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-5" data-testid="org-totals">
        {stats.map((st) => (
          <div key={st.label} title={st.hint}>
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{st.label}</dt>
            <dd className={`mt-1 text-2xl font-semibold tabular-nums ${st.tone ?? "text-slate-900"}`}>
              {st.href ? (
                <Link href={st.href} className="hover:underline">
                  {st.value}
                </Link>
              ) : (
                st.value
              )}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
