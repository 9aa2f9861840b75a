import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { CONTROL_ROWS_SHOWN, ZControlParams } from "@/server/domain/audit/schema";
import { PageHeader, ErrorBanner } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { UrlFilterForm } from "@/components/audit/url-filter-form";
import { ControlCard } from "@/components/audit/control-card";

export const metadata = { title: "Control checks" };

export default async function ControlsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const p = parseListParams(ZControlParams, await searchParams);
  const badRange = Boolean(p.from && p.to && p.from > p.to);
  const scope = { ...(p.from ? { from: p.from } : {}), ...(p.to && !badRange ? { to: p.to } : {}), ...(p.system ? { systemNames: [p.system] } : {}) };
  const [systems, results] = await Promise.all([api.audit.systems(), api.audit.controls(scope)]);
  const failed = results.filter((r) => !r.passed).length;
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href="/audit" className="hover:underline">
            Audit
          </Link>
        }
        title="Control checks"
        description={`Each check runs over a stated population and lists its exceptions (the first ${CONTROL_ROWS_SHOWN} here, every one in its CSV). Narrow the period or the system; download a random sample of any population with a recorded seed so the same sample can be drawn again.`}
        actions={failed === 0 ? <Badge tone="green">All {results.length} checks pass</Badge> : <Badge tone="red">{failed} of {results.length} checks have exceptions</Badge>}
      />
      <UrlFilterForm
        submitLabel="Run checks"
        fields={[
          { key: "from", label: "From (UTC day)", type: "date" },
          { key: "to", label: "To (UTC day)", type: "date" },
          { key: "system", label: "System", type: "select", placeholder: "All systems", options: systems.map((s) => ({ value: s.name, label: s.name })) },
        ]}
      />
      {badRange && (
        <div className="mb-4">
          <ErrorBanner title="The period is upside down">“From” is after “To”: the end of the period was ignored.</ErrorBanner>
        </div>
      )}
      <div className="space-y-4">
        {results.map((r) => (
          <ControlCard key={r.id} result={r} scope={{ from: p.from ?? null, to: badRange ? null : (p.to ?? null), system: p.system ?? null }} />
        ))}
      </div>
    </div>
  );
}
