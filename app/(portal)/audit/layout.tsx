import type { ReactNode } from "react";
import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner } from "@/components/ui/card";
import { hasRoleIn } from "@/components/audit/roles";

/**
 * The auditor workspace (/audit/*) is for admins, security officers and auditors. Every procedure behind it
 * checks the role again; this only gives everyone else one clear message instead of a failed page.
 */
export default async function AuditLayout({ children }: { children: ReactNode }) {
  const me = await (await serverCaller()).me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to the audit workspace">It is open to admins, security officers and auditors.</ErrorBanner>;
  }
  return children;
}
