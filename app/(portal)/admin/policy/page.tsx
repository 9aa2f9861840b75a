import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Badge } from "@/components/ui/badge";
import { Card, DetailList, EmptyState, ErrorBanner, PageHeader } from "@/components/ui/card";
import { formatDateTime } from "@/components/ui/format";
import { PolicyText } from "@/components/policy/policy-text";
import { PolicyDiff } from "@/components/policy/policy-diff";
import { PolicyHistory } from "@/components/policy/policy-history";
import { PolicyWorkbench } from "@/components/policy/policy-workbench";
import { orNotFound, type SearchParams } from "../../catalog/_lib/server";

export const metadata = { title: "Approval policy" };

const TABS = [
  { key: "text", label: "Policy" },
  { key: "changes", label: "Changes" },
  { key: "history", label: "History" },
  { key: "edit", label: "Edit & try" },
] as const;
type Tab = (typeof TABS)[number]["key"];

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Admin → Policy: the approval policy in force, its history and diffs, and the editor / try workbench. */
export default async function PolicyPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const api = await serverCaller();
  const me = await api.me.profile();
  const roles = me?.roles ?? [];
  if (!me || !roles.some((r) => r === "ADMIN" || r === "SECURITY" || r === "AUDITOR")) {
    return <ErrorBanner title="Only admins, security and auditors can see the approval policy">Ask an admin if you need to know how a request is routed.</ErrorBanner>;
  }
  const canSave = roles.includes("ADMIN") && !roles.includes("AUDITOR");
  const tab: Tab = TABS.some((t) => t.key === one(sp.tab)) ? (one(sp.tab) as Tab) : "text";
  const versionParam = one(sp.version);

  const [current, versions] = await Promise.all([api.policy.current(), api.policy.versions()]);
  const selected = versionParam && UUID.test(versionParam) && versionParam !== current?.id ? await orNotFound(api.policy.byId({ id: versionParam })) : current;
  const diff = selected && tab === "changes" ? await api.policy.diff({ toId: selected.id }) : null;

  const href = (t: Tab) => `/admin/policy?${new URLSearchParams({ ...(t !== "text" ? { tab: t } : {}), ...(selected && selected.id !== current?.id ? { version: selected.id } : {}) })}`;

  return (
    <div>
      <PageHeader
        eyebrow="Admin"
        title="Approval policy"
        description="Written in Cedar and checked against Warrant's schema before it is saved. It decides, for every request, whether it may be made, whether it is approved at once, which approvals it needs and for how long. Every version is kept, unchanged, with its SHA-256."
        actions={current ? <Badge tone="green">Version {current.version} in force</Badge> : <Badge tone="amber">No policy yet</Badge>}
      />

      <nav aria-label="Policy views" className="mb-5 flex gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <Link
            key={t.key}
            href={href(t.key)}
            aria-current={tab === t.key ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${tab === t.key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {t.key === "edit" && !canSave ? "Try" : t.label}
          </Link>
        ))}
      </nav>

      {selected && selected.id !== current?.id && tab !== "history" && tab !== "edit" && (
        <p className="mb-4 rounded-md border border-slate-200 bg-white px-4 py-2 text-sm text-slate-700">
          You are looking at version {selected.version}, which is no longer in force.{" "}
          <Link href={`/admin/policy${tab === "text" ? "" : `?tab=${tab}`}`} className="font-medium text-brand-700 underline">
            Show version {current?.version}
          </Link>
        </p>
      )}

      {!current && tab !== "edit" && (
        <EmptyState title="No approval policy has been saved yet">
          Until one is saved, requests cannot be submitted. {canSave ? "Write one under “Edit & try”." : "Ask an admin to save one."}
        </EmptyState>
      )}

      {selected && tab === "text" && (
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
          <Card title={`Version ${selected.version}`}>
            <PolicyText text={selected.text} />
          </Card>
          <Card title="About this version">
            <div className="space-y-4">
              <DetailList
                items={[
                  { label: "Saved", value: formatDateTime(selected.createdAt) },
                  { label: "By", value: selected.createdBy?.name ?? "Warrant (setup)" },
                ]}
              />
              <div>
                <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Note</p>
                <p className="mt-0.5 text-sm text-slate-900">{selected.note || "—"}</p>
              </div>
              <div>
                <p className="text-xs font-medium uppercase tracking-wide text-slate-500">SHA-256</p>
                <p className="mt-0.5 break-all font-mono text-xs text-slate-700" data-testid="policy-sha256">
                  {selected.sha256}
                </p>
              </div>
              <div>
                <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{selected.policyIds.length} policies</p>
                <ul className="mt-1 space-y-0.5">
                  {selected.policyIds.map((id) => (
                    <li key={id}>
                      <code className="text-xs text-slate-700">{id}</code>
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          </Card>
        </div>
      )}

      {selected && tab === "changes" && diff && (
        <Card
          title={diff.from ? `Version ${diff.to.version} compared with version ${diff.from.version}` : `Version ${diff.to.version}: the first version`}
          actions={
            <span className="text-xs text-slate-600">
              <span className="font-medium text-emerald-700">+{diff.added}</span> <span className="font-medium text-red-700">−{diff.removed}</span>
            </span>
          }
        >
          {diff.from ? <PolicyDiff lines={diff.lines} /> : <p className="text-sm text-slate-600">This is the first version: there is nothing earlier to compare it with.</p>}
        </Card>
      )}

      {tab === "history" && (
        <Card title={`${versions.length} ${versions.length === 1 ? "version" : "versions"}`}>
          {versions.length ? <PolicyHistory versions={versions} selectedId={selected?.id ?? null} currentId={current?.id ?? null} /> : <p className="text-sm text-slate-500">No versions yet.</p>}
        </Card>
      )}

      {tab === "edit" && (current || canSave) && <PolicyWorkbench initialText={current?.text ?? ""} currentVersion={current?.version ?? 0} canSave={canSave} me={{ id: me.id }} />}
    </div>
  );
}
