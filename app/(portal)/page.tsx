import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { KindBadge, RiskBadge } from "@/components/ui/badge";
import { formatDate, relativeDays } from "@/components/ui/format";

export const metadata = { title: "Home" };

export default async function HomePage() {
  const api = await serverCaller();
  const [me, s] = await Promise.all([api.me.profile(), api.home.summary()]);
  const firstName = me?.displayName.split(" ")[0] ?? "";
  return (
    <div className="space-y-6">
      <PageHeader title={`Hello, ${firstName}`} description="Your access, what expires soon, and what you are accountable for." />

      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Access you hold" value={s.myGrants} href={`/identities/${me?.id}`} />
        <Stat label="Expiring in 14 days" value={s.expiringSoon.length} tone={s.expiringSoon.length ? "amber" : undefined} />
        <Stat label="People reporting to you" value={s.reports} href={s.reports ? `/identities?manager=${me?.id}` : undefined} />
      </div>

      {s.catalog && (
        <Card title="Organisation at a glance">
          <div className="grid gap-4 sm:grid-cols-5">
            <Stat label="Systems" value={s.catalog.systems} href="/catalog" plain />
            <Stat label="Entitlements" value={s.catalog.entitlements} href="/catalog/entitlements" plain />
            <Stat label="Active grants" value={s.catalog.activeGrants} plain />
            <Stat label="Origin unverified" value={s.catalog.unverifiedGrants} tone={s.catalog.unverifiedGrants ? "amber" : undefined} plain hint="Standing access with no approved request behind it" />
            <Stat label="Past expiry, still active" value={s.catalog.overdueGrants} tone={s.catalog.overdueGrants ? "red" : undefined} plain />
          </div>
        </Card>
      )}

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Your access expiring soon">
          {s.expiringSoon.length === 0 ? (
            <EmptyState title="Nothing expires in the next 14 days." />
          ) : (
            <ul className="divide-y divide-slate-100">
              {s.expiringSoon.map((g) => (
                <li key={g.id} className="flex items-center justify-between gap-3 py-2">
                  <div>
                    <Link href={`/catalog/entitlements/${g.entitlementId}`} className="text-sm font-medium text-brand-700 hover:underline">
                      {g.entitlement}
                    </Link>
                    <p className="text-xs text-slate-500">{g.system}</p>
                  </div>
                  <div className="flex items-center gap-2">
                    <RiskBadge risk={g.risk} />
                    <span className="text-sm text-amber-800" title={formatDate(g.expiresAt)}>
                      expires {relativeDays(g.expiresAt)}
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Non-human identities you own">
          {s.ownedNhis.length === 0 ? (
            <EmptyState title="You own no service accounts, keys or agents.">Each non-human identity has one accountable human owner.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {s.ownedNhis.map((n) => (
                <li key={n.id} className="flex items-center justify-between gap-3 py-2">
                  <Link href={`/identities/${n.id}`} className="text-sm font-medium text-brand-700 hover:underline">
                    {n.displayName}
                  </Link>
                  <div className="flex items-center gap-2">
                    <KindBadge kind={n.kind} />
                    {n.credentialExpiresAt && (
                      <span className={`text-xs ${new Date(n.credentialExpiresAt) < new Date() ? "text-red-700" : "text-slate-500"}`}>credential {new Date(n.credentialExpiresAt) < new Date() ? "expired" : "expires"} {relativeDays(n.credentialExpiresAt)}</span>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>

        {s.ownedSystems.length > 0 && (
          <Card title="Systems you own">
            <ul className="divide-y divide-slate-100">
              {s.ownedSystems.map((sys) => (
                <li key={sys.id} className="flex items-center justify-between py-2">
                  <Link href={`/catalog/systems/${sys.id}`} className="text-sm font-medium text-brand-700 hover:underline">
                    {sys.name}
                  </Link>
                  <span className="text-xs text-slate-500">{sys.entitlements} entitlements</span>
                </li>
              ))}
            </ul>
          </Card>
        )}
      </div>
    </div>
  );
}

function Stat({ label, value, href, tone, plain, hint }: { label: string; value: number; href?: string; tone?: "amber" | "red"; plain?: boolean; hint?: string }) {
  const color = tone === "red" ? "text-red-700" : tone === "amber" ? "text-amber-700" : "text-slate-900";
  const body = (
    <div className={plain ? "" : "rounded-lg border border-slate-200 bg-white p-4 shadow-sm"} title={hint}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className={`mt-1 text-2xl font-semibold tabular-nums ${color}`}>{value.toLocaleString("en-GB")}</p>
    </div>
  );
  return href ? (
    <Link href={href} className="block rounded-lg hover:ring-2 hover:ring-brand-100">
      {body}
    </Link>
  ) : (
    body
  );
}
