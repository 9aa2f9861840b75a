import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { CONNECTOR_LABEL, ZListEntitlementsInput } from "@/server/domain/catalog/schema";
import { Card, DetailList, PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { RiskBadge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { EntitlementsTable } from "@/components/catalog/entitlements-table";
import { MyAccessInSystem } from "@/components/catalog/my-access";
import { ReconciliationSection } from "@/components/reconciliation/reconciliation-section";
import { TRPCError } from "@trpc/server";
import { orNotFound, type SearchParams } from "../../_lib/server";

export const metadata = { title: "System" };

const SETTING_LABEL: Record<string, string> = {
  instructions: "Instructions for the owner",
  url: "Webhook URL",
  secretRef: "Secret reference",
  database: "Database",
  host: "Host",
  port: "Port",
  user: "User",
  sslmode: "TLS (sslmode)",
  sslRootCertRef: "CA certificate reference",
  baseUrl: "SCIM base URL",
  tokenRef: "Bearer token reference",
  userNameFrom: "userName from",
};

/** Connector settings (never secrets: the catalog refuses them). */
function ConnectorSettings({ config }: { config: Record<string, unknown> }) {
  const entries = Object.entries(config);
  if (entries.length === 0) return <p className="text-sm text-slate-500">No settings.</p>;
  return (
    <dl className="space-y-3">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{SETTING_LABEL[k] ?? k}</dt>
          <dd className={`mt-0.5 break-all text-sm text-slate-900 ${k === "instructions" ? "whitespace-pre-line" : "font-mono text-xs"}`}>
            {typeof v === "string" ? v : JSON.stringify(v)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export default async function SystemPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const { id } = await params;
  const api = await serverCaller();
  const system = await orNotFound(api.catalog.systemById({ id }));
  const sp = await searchParams;
  const input = { ...parseListParams(ZListEntitlementsInput, sp), systemId: system.id };
  const entitlements = await api.catalog.listEntitlements(input);
  // Reconciliation: for the system's owner, admins, security and auditors (others are refused: no section).
  const showing = sp.recon === "resolved" ? "RESOLVED" : "OPEN";
  const recon = await api.reconciliation.forSystem({ systemId: system.id, status: showing, pageSize: 50 }).catch((e: unknown) => {
    if (e instanceof TRPCError && e.code === "FORBIDDEN") return null;
    throw e;
  });
  const canEdit = system.viewer.canEdit;

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href="/catalog" className="hover:underline">
            Catalog
          </Link>
        }
        title={system.name}
        description={system.description || undefined}
        actions={
          canEdit && (
            <>
              <LinkButton href={`/catalog/systems/${system.id}/edit`} variant="secondary">
                Edit system
              </LinkButton>
              <LinkButton href={`/catalog/entitlements/new?systemId=${system.id}`}>New entitlement</LinkButton>
            </>
          )
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="About" className="lg:col-span-2">
          <DetailList
            items={[
              {
                label: "Owner",
                value: (
                  <Link href={`/identities/${system.owner.id}`} className="text-brand-700 hover:underline">
                    {system.owner.name}
                  </Link>
                ),
              },
              { label: "Criticality", value: <RiskBadge risk={system.criticality} /> },
              { label: "Entitlements", value: system.entitlementCount },
              { label: "Active grants", value: system.activeGrantCount },
              { label: "Added", value: formatDateTime(system.createdAt) },
              { label: "Last changed", value: formatDateTime(system.updatedAt) },
            ]}
          />
        </Card>
        <Card title={`Connector: ${CONNECTOR_LABEL[system.connector]}`}>
          {system.connectorConfig ? (
            <ConnectorSettings config={system.connectorConfig} />
          ) : (
            <p className="text-sm text-slate-500">Connector settings are visible to the system owner, admins, security and auditors.</p>
          )}
        </Card>
      </div>
      {system.viewer.actsOnAccess && <MyAccessInSystem entitlements={system.entitlements} />}
      <section aria-labelledby="entitlements-heading" className="space-y-3">
        <h2 id="entitlements-heading" className="text-lg font-semibold text-slate-900">
          Entitlements
        </h2>
        <EntitlementsTable page={entitlements} sort={input.sort} dir={input.dir} withinSystem />
      </section>
      {recon && <ReconciliationSection view={recon} showing={showing} />}
    </div>
  );
}
