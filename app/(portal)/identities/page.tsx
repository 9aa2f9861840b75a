import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { ZListIdentities } from "@/server/domain/identities/schema";
import { PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { IdentitiesTable } from "@/components/identities/identities-table";

export const metadata = { title: "Directory" };

type SearchParams = Record<string, string | string[] | undefined>;

const TABS = [
  { label: "Everyone", kind: null },
  { label: "People", kind: "HUMAN" },
  { label: "Non-human", kind: "NON_HUMAN" },
] as const;

/** A link to this page with some parameters changed (and paging reset), keeping the rest of the view. */
function hrefWith(sp: SearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(firstValues(sp));
  next.delete("page");
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  const qs = next.toString();
  return qs ? `/identities?${qs}` : "/identities";
}

export default async function IdentitiesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const input = parseListParams(ZListIdentities, sp);
  const api = await serverCaller();
  const [me, page, facets] = await Promise.all([api.me.profile(), api.identities.list(input), api.identities.facets()]);
  const isAdmin = me?.roles.includes("ADMIN") ?? false;
  const seesAllAccess = me?.readsAllAccess ?? false;
  const activeTab = input.kind === "HUMAN" ? "HUMAN" : input.kind ? "NON_HUMAN" : null;
  const scope = input.manager
    ? { key: "manager", text: page.rows[0]?.managerName ? `Reporting to ${page.rows[0].managerName}` : "Reporting to the selected person" }
    : input.owner
      ? { key: "owner", text: page.rows[0]?.ownerName ? `Owned by ${page.rows[0].ownerName}` : "Owned by the selected person" }
      : null;

  return (
    <div>
      <PageHeader
        title="Directory"
        description="Everyone and everything that can hold access: people from HR and the identity provider, and non-human identities (service accounts, API keys, OAuth apps, workloads, AI agents), each with an accountable owner."
        actions={
          isAdmin ? (
            <>
              <LinkButton href="/identities/import" variant="secondary">
                Import people
              </LinkButton>
              <LinkButton href="/identities/new">New non-human identity</LinkButton>
            </>
          ) : me && !me.roles.includes("AUDITOR") ? (
            <LinkButton href="/identities/new">New API client</LinkButton>
          ) : undefined
        }
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Identity kinds" className="inline-flex rounded-lg border border-slate-200 bg-white p-1 shadow-sm">
          {TABS.map((t) => {
            const active = activeTab === t.kind;
            return (
              <Link
                key={t.label}
                href={hrefWith(sp, { kind: t.kind })}
                aria-current={active ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 text-sm font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
              >
                {t.label}
              </Link>
            );
          })}
        </nav>
        {scope && (
          <p className="flex items-center gap-2 rounded-full bg-slate-100 px-3 py-1 text-sm text-slate-700">
            {scope.text}
            <Link href={hrefWith(sp, { [scope.key]: null })} className="text-brand-700 hover:underline" aria-label={`Clear filter: ${scope.text}`}>
              Clear
            </Link>
          </p>
        )}
      </div>
      <IdentitiesTable page={page} sort={input.sort} dir={input.dir} departments={facets.departments.map((d) => d.value)} seesAllAccess={seesAllAccess} />
    </div>
  );
}
