import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZAccessAsOfParams } from "@/server/domain/audit/schema";
import { PageHeader, ErrorBanner, EmptyState } from "@/components/ui/card";
import { buttonClass } from "@/components/ui/button";
import { UrlFilterForm } from "@/components/audit/url-filter-form";
import { AsOfTable } from "@/components/audit/as-of-table";

export const metadata = { title: "Access as of a date" };

export default async function AccessAsOfPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const input = parseListParams(ZAccessAsOfParams, await searchParams);
  const systems = await api.audit.systems();
  const ready = input.systemId && input.date;
  const page = ready ? await api.audit.accessAsOf({ ...input, systemId: input.systemId!, date: input.date! }) : null;
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href="/audit" className="hover:underline">
            Audit
          </Link>
        }
        title="Access as of a date"
        description="Who held which entitlement in a system on a given day (UTC). A grant counts if it was in effect at any moment of that day: started by the end of the day, not revoked before it began, and actually provisioned (imported access counts from its start)."
      />
      <UrlFilterForm
        submitLabel="Show access"
        keep={["size", "sort", "dir"]}
        fields={[
          { key: "systemId", label: "System", type: "select", placeholder: "Choose a system…", required: true, options: systems.map((s) => ({ value: s.id, label: s.name })) },
          { key: "date", label: "Day (UTC)", type: "date", required: true },
        ]}
        extra={
          page?.system ? (
            <a href={`/api/audit/access-as-of?systemId=${page.system.id}&date=${page.date}`} className={buttonClass("secondary")} download>
              Download CSV ({page.total.toLocaleString("en-GB")} rows)
            </a>
          ) : null
        }
      />
      {!page ? (
        <EmptyState title="Choose a system and a day">The list shows every identity that held access in that system on that day, with the grant behind it.</EmptyState>
      ) : !page.system ? (
        <ErrorBanner title="No such system">Choose a system from the list.</ErrorBanner>
      ) : (
        <AsOfTable page={page} sort={input.sort} dir={input.dir} systemName={page.system.name} date={page.date} />
      )}
    </div>
  );
}
