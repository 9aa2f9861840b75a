import { cache, type ReactNode } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { serverCaller } from "@/server/trpc/context";
import { ZIdentityId } from "@/server/domain/identities/schema";
import type { IdentityDetail } from "@/server/domain/identities/queries";
import { Card, DetailList, EmptyState, NoticeBanner, PageHeader } from "@/components/ui/card";
import { KindBadge, StatusBadge } from "@/components/ui/badge";
import { daysUntil, formatDate } from "@/components/ui/format";
import { CurrentGrantsTable, ExpiryNote, GrantHistoryTable } from "@/components/identities/grant-tables";
import { NhiEditPanel } from "@/components/identities/nhi-edit-panel";
import { RevokeGrantButton } from "@/components/grants/revoke-grant-button";
import { MyGrantActions } from "@/components/catalog/my-access";
import { DeprovisionPanel } from "@/components/grants/deprovision-panel";
import { ApiClientPanel } from "@/components/api-clients/api-client-panel";
import { API_CLIENT_KINDS } from "@/server/domain/identities/schema";
import { IssuedCredentials } from "@/components/credentials/issued-credentials";

/** One identity, loaded once per request (metadata and page share it); null when there is no such identity. */
const loadIdentity = cache(async (id: string): Promise<IdentityDetail | null> => {
  if (!ZIdentityId.safeParse({ id }).success) return null;
  const api = await serverCaller();
  try {
    return await api.identities.byId({ id });
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) return null;
    throw e;
  }
});

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params) {
  const identity = await loadIdentity((await params).id);
  return { title: identity?.displayName ?? "Identity not found" };
}

function PersonLink({ who }: { who: { id: string; displayName: string; status?: string } | null }) {
  if (!who) return null;
  return (
    <span className="inline-flex items-center gap-2">
      <Link href={`/identities/${who.id}`} className="font-medium text-brand-700 hover:underline">
        {who.displayName}
      </Link>
      {who.status && who.status !== "ACTIVE" && <StatusBadge status={who.status} />}
    </span>
  );
}

export default async function IdentityPage({ params }: Params) {
  const identity = await loadIdentity((await params).id);
  if (!identity) notFound();
  const api = await serverCaller();
  const isApiClientKind = (API_CLIENT_KINDS as readonly string[]).includes(identity.kind);
  const [systems, revocableIds, me, issued, apiClient] = await Promise.all([
    identity.canEdit ? api.identities.systemOptions() : Promise.resolve([]),
    api.grants.revocable({ identityId: identity.id }),
    api.me.profile(),
    // Logins issued for its grants (docs/credentials.md): empty for a person, or for a viewer who may not see them.
    identity.kind === "HUMAN" ? Promise.resolve([]) : api.credentials.ofIdentity({ identityId: identity.id }),
    // Its API scopes and tokens: for its owner, admins, security and auditors (FORBIDDEN for anyone else).
    isApiClientKind ? api.apiClients.byId({ id: identity.id }).catch((e: unknown) => (e instanceof TRPCError && e.code === "FORBIDDEN" ? null : Promise.reject(e))) : Promise.resolve(null),
  ]);
  const revocable = new Set(revocableIds);
  // My own access (or my NHI's): Extend and Remove my access on each grant, instead of an owner's Revoke.
  const mine = !!me && !me.roles.includes("AUDITOR") && (me.id === identity.id || (identity.kind !== "HUMAN" && identity.owner?.id === me.id));
  const now = new Date();
  const human = identity.kind === "HUMAN";
  const cred = identity.credential;
  const { current, history, historyCount } = identity.grants;

  const details = human
    ? [
        // Contact details are for those who see this person's access too (accessView); no empty row otherwise.
        ...(identity.accessView === "none" ? [] : [{ label: "Email", value: identity.email }]),
        { label: "Department", value: identity.department },
        { label: "Title", value: identity.title },
        { label: "Manager", value: <PersonLink who={identity.manager} /> },
      ]
    : [
        { label: "Accountable owner", value: <PersonLink who={identity.owner} /> },
        {
          label: "System it runs in",
          value: identity.system && (
            <Link href={`/catalog/systems/${identity.system.id}`} className="font-medium text-brand-700 hover:underline">
              {identity.system.name}
            </Link>
          ),
        },
        { label: "Purpose", value: identity.purpose },
        { label: "In Warrant since", value: formatDate(identity.createdAt) },
      ];

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href={human ? "/identities?kind=HUMAN" : "/identities?kind=NON_HUMAN"} className="hover:underline">
            ← Directory
          </Link>
        }
        title={
          <span className="flex flex-wrap items-center gap-3">
            {identity.displayName}
            <KindBadge kind={identity.kind} />
            <StatusBadge status={identity.status} />
          </span>
        }
        description={human ? [identity.title, identity.department].filter(Boolean).join(" · ") || undefined : undefined}
      />

      {!human && identity.owner && identity.owner.status !== "ACTIVE" && (
        <NoticeBanner>
          The accountable owner, {identity.owner.displayName}, is {identity.owner.status.toLowerCase()}. Every non-human identity needs an active owner: an admin should hand it to someone else.
        </NoticeBanner>
      )}

      <div className="grid items-start gap-6 lg:grid-cols-3">
        <Card title="Details" className="lg:col-span-2">
          <DetailList items={details} />
        </Card>

        {human ? (
          <div className="space-y-6">
            <RelatedCard
              title="Direct reports"
              count={identity.reports.count}
              empty="No direct reports."
              seeAll={`/identities?manager=${identity.id}`}
              items={identity.reports.items.map((r) => ({ id: r.id, name: r.displayName, sub: r.title, status: r.status }))}
            />
            <RelatedCard
              title="Non-human identities owned"
              count={identity.ownedNhis.count}
              empty="Owns no non-human identities."
              seeAll={`/identities?owner=${identity.id}`}
              items={identity.ownedNhis.items.map((n) => ({ id: n.id, name: n.displayName, kind: n.kind, status: n.status }))}
            />
          </div>
        ) : (
          <Card title="Credential">
            {cred && cred.visible ? (
              <div className="space-y-3">
                {cred.expiresAt && daysUntil(cred.expiresAt, now) <= 0 && (
                  <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm font-medium text-red-800">
                    This credential has expired: rotate it and record the new key.
                  </p>
                )}
                {cred.expiresAt && daysUntil(cred.expiresAt, now) > 0 && daysUntil(cred.expiresAt, now) <= 30 && (
                  <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">This credential expires in {daysUntil(cred.expiresAt, now)} days: plan its rotation.</p>
                )}
                <dl className="space-y-2 text-sm">
                  <CredRow label="Key id" value={cred.keyId ? <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{cred.keyId}</code> : null} />
                  <CredRow label="Issued" value={cred.createdAt && formatDate(cred.createdAt)} />
                  <CredRow label="Last rotated" value={cred.rotatedAt ? formatDate(cred.rotatedAt) : "Never"} />
                  <CredRow label="Expires" value={<ExpiryNote expiresAt={cred.expiresAt} now={now} noEnd="No expiry recorded" />} />
                </dl>
              </div>
            ) : (
              <p className="text-sm text-slate-600">Credential details are shown to the owner, admins, security officers and auditors.</p>
            )}
          </Card>
        )}
      </div>

      {apiClient && (
        <div className="mb-6">
          <ApiClientPanel client={apiClient} />
        </div>
      )}

      {identity.accessView === "none" ? (
        <Card title="Access">
          <p className="text-sm text-slate-600" data-testid="access-hidden">
            The access {identity.displayName} holds is shown to {human ? "them, their manager" : "its accountable owner"}, the owners of what is held (their part), security officers, admins and auditors.
          </p>
        </Card>
      ) : (
        <>
          {identity.accessView === "owned" && (
            <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="access-owned-only">
              Showing only the access to systems and entitlements you own.
            </p>
          )}
          <Card title={`Access held (${current.length})`}>
            {current.length === 0 ? (
              <EmptyState title="No access held." />
            ) : (
              <CurrentGrantsTable
                grants={current}
                now={now}
                actions={
                  mine || revocable.size
                    ? (g) =>
                        mine ? (
                          <MyGrantActions grantId={g.id} what={g.entitlement.name} status={g.status} expiresAt={g.expiresAt} />
                        ) : revocable.has(g.id) ? (
                          <RevokeGrantButton grantId={g.id} what={g.entitlement.name} />
                        ) : null
                    : undefined
                }
              />
            )}
          </Card>

          <Card title={`Access history (${historyCount} revoked)`}>
            {historyCount === 0 ? (
              <EmptyState title="No revoked access on record." />
            ) : (
              <>
                <GrantHistoryTable grants={history} />
                {historyCount > history.length && <p className="mt-3 text-xs text-slate-500">Showing the {history.length} most recent of {historyCount}.</p>}
              </>
            )}
          </Card>
        </>
      )}

      {issued.length > 0 && <IssuedCredentials credentials={issued} />}

      {human && identity.status !== "DEPROVISIONED" && me?.roles.includes("ADMIN") && me.id !== identity.id && (
        <DeprovisionPanel identityId={identity.id} name={identity.displayName} grantsInEffect={current.length} nhisOwned={identity.ownedNhis.count} />
      )}

      {identity.canEdit && (
        <NhiEditPanel
          id={identity.id}
          updatedAt={identity.updatedAt}
          systems={systems}
          initial={{
            kind: identity.kind as Exclude<typeof identity.kind, "HUMAN">,
            displayName: identity.displayName,
            owner: identity.owner && { id: identity.owner.id, displayName: identity.owner.displayName },
            purpose: identity.purpose ?? "",
            systemId: identity.system?.id ?? null,
            credentialKeyId: cred?.visible ? cred.keyId : null,
            credentialRotatedAt: cred?.visible ? cred.rotatedAt : null,
            credentialExpiresAt: cred?.visible ? cred.expiresAt : null,
            status: identity.status,
          }}
        />
      )}
    </div>
  );
}

function CredRow({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-right text-slate-900">{value ?? <span className="text-slate-400">—</span>}</dd>
    </div>
  );
}

function RelatedCard({
  title,
  count,
  empty,
  seeAll,
  items,
}: {
  title: string;
  count: number;
  empty: string;
  seeAll: string;
  items: { id: string; name: string; sub?: string | null; kind?: string; status: string }[];
}) {
  return (
    <Card title={`${title} (${count})`} actions={count > items.length ? <Link href={seeAll} className="text-sm text-brand-700 hover:underline">See all</Link> : undefined}>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {items.map((it) => (
            <li key={it.id} className="flex items-center justify-between gap-3 py-2">
              <div className="min-w-0">
                <Link href={`/identities/${it.id}`} className="text-sm font-medium text-brand-700 hover:underline">
                  {it.name}
                </Link>
                {it.sub && <p className="truncate text-xs text-slate-500">{it.sub}</p>}
              </div>
              <span className="flex shrink-0 gap-1.5">
                {it.kind && <KindBadge kind={it.kind} />}
                {it.status !== "ACTIVE" && <StatusBadge status={it.status} />}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
