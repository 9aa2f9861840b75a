import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListFindingsInput } from "@/server/domain/findings/schema";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { FindingsTable } from "@/components/findings/findings-table";
import { hasRoleIn } from "@/components/audit/roles";

export const metadata = { title: "Findings" };

export default async function FindingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to findings">They are open to admins, security officers and auditors.</ErrorBanner>;
  }
  const input = parseListParams(ZListFindingsInput, await searchParams);
  const page = await api.findings.list(input);
  return (
    <div>
      <PageHeader
        title="Findings"
        description="Exceptions that need a person: a non-human identity whose owner left, a provisioning change that kept failing, a break-glass review that is late, a connector target an admin changed (security checks it; the person who made the change cannot resolve it), access a system holds that differs from Warrant's (unmanaged or missing access, orphan accounts: acted on from the system's page). Admins and security resolve the others with a note of what was done; each resolution is an evidence event."
      />
      <FindingsTable page={page} sort={input.sort} dir={input.dir} />
    </div>
  );
}
