import Link from "next/link";
import { notFound } from "next/navigation";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { IMPORT_ACTIONS, IMPORT_ACTION_LABEL, ZImportRowsInput, type ImportAction } from "@/server/domain/identity-import/schema";
import { Card, DetailList, NoticeBanner, PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import { ApplyButton } from "@/components/identity-import/apply-button";
import { ImportRowsTable } from "@/components/identity-import/rows-table";

export const metadata = { title: "Import preview" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function ImportPreviewPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const api = await serverCaller();
  const imp = await api.identityImport.byId({ id }).catch(() => null);
  if (!imp) notFound();
  const c = imp.counts;
  // Invalid lines first: they are what stands between the admin and applying.
  const first = c.INVALID > 0 ? "INVALID" : (IMPORT_ACTIONS.find((a) => c[a] > 0) ?? "JOIN");
  const requested = firstValues(sp).show as ImportAction | undefined;
  const action: ImportAction = requested && IMPORT_ACTIONS.includes(requested) ? requested : first;
  const input = parseListParams(ZImportRowsInput, { ...sp, id, action });
  const page = await api.identityImport.rows(input);
  const changes = IMPORT_ACTIONS.filter((a) => a !== "INVALID").reduce((n, a) => n + c[a], 0);
  const applied = imp.status === "APPLIED";
  const tabHref = (a: ImportAction) => `/identities/import/${id}?show=${a}`;

  return (
    <div className="space-y-6">
      <PageHeader
        eyebrow={
          <Link href="/identities/import" className="hover:underline">
            ← Import people
          </Link>
        }
        title={applied ? "Import applied" : "Preview of the import"}
        description={applied ? "These changes were made, each recorded in the ledger with the file's line." : "Nothing has changed yet. Check the changes below, then apply them in one step."}
        actions={
          applied ? (
            <LinkButton href="/identities?kind=HUMAN" variant="secondary">
              See the people
            </LinkButton>
          ) : c.INVALID === 0 && changes > 0 ? (
            <ApplyButton id={id} changes={changes} />
          ) : undefined
        }
      />
      {!applied && c.INVALID > 0 && (
        <NoticeBanner>
          {c.INVALID.toLocaleString("en")} line{c.INVALID === 1 ? " is" : "s are"} invalid, so this file cannot be applied: nothing in it will change anything. Correct the lines listed below and upload the file again.
        </NoticeBanner>
      )}
      {!applied && c.INVALID === 0 && changes === 0 && <NoticeBanner>Everything in this file already matches Warrant: there is nothing to apply.</NoticeBanner>}
      <Card>
        <DetailList
          items={[
            { label: "File", value: <span className="[overflow-wrap:anywhere]">{imp.fileName}</span> },
            { label: "Lines", value: `${imp.rowCount.toLocaleString("en")} (${c.unchanged.toLocaleString("en")} unchanged)` },
            { label: "Kind of file", value: imp.fullList ? "The full list of people (absent people leave)" : "Partial (only leaver lines make leavers)" },
            { label: "SHA-256", value: <code className="text-xs [overflow-wrap:anywhere]">{imp.sha256}</code> },
            { label: "Previewed", value: `${formatDateTime(imp.createdAt)} by ${imp.createdBy}` },
            ...(applied ? [{ label: "Applied", value: `${formatDateTime(imp.appliedAt)} by ${imp.appliedBy ?? "someone"}` }] : []),
          ]}
        />
      </Card>
      <nav aria-label="Kinds of change" className="flex flex-wrap gap-2">
        {IMPORT_ACTIONS.map((a) => {
          const active = a === action;
          return (
            <Link
              key={a}
              href={tabHref(a)}
              aria-current={active ? "page" : undefined}
              className={`inline-flex items-center gap-2 rounded-md border px-3 py-1.5 text-sm font-medium ${active ? "border-brand-600 bg-brand-50 text-brand-700" : "border-slate-200 bg-white text-slate-700 hover:bg-slate-50"}`}
            >
              {IMPORT_ACTION_LABEL[a]}
              <Badge tone={a === "INVALID" && c[a] > 0 ? "red" : c[a] > 0 ? "blue" : "slate"}>{c[a].toLocaleString("en")}</Badge>
            </Link>
          );
        })}
      </nav>
      <ImportRowsTable page={page} label={IMPORT_ACTION_LABEL[action]} emptyMessage={`No ${IMPORT_ACTION_LABEL[action].toLowerCase()} in this file.`} />
    </div>
  );
}
