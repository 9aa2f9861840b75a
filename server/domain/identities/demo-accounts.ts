import type { Tx } from "../../db";
import type { RoleLabel } from "./schema";

/**
 * The demo organisation's six sign-in accounts, one per kind of user, in the order the sign-in page lists
 * them. Only shown (and only usable) when demo sign-in is on.
 */
export const DEMO_ACCOUNTS = [
  { email: "priya.nair@halcyon.example", role: "Employee", hint: "Requests access for herself" },
  { email: "marcus.chen@halcyon.example", role: "Manager", hint: "Approves his team's requests" },
  { email: "sofia.alvarez@halcyon.example", role: "System owner", hint: "Owns Production Database and Data Warehouse" },
  { email: "omar.haddad@halcyon.example", role: "Security officer", hint: "Security approvals and break-glass follow-up" },
  { email: "grace.kim@halcyon.example", role: "Admin", hint: "Catalog, policies, campaigns" },
  { email: "ruth.okafor@halcyon.example", role: "Auditor", hint: "Reads everything, exports evidence" },
] as const satisfies readonly { email: string; role: RoleLabel; hint: string }[];

/**
 * Whether an email is one of the demo accounts (case-insensitive). The demo sign-in accepts these and only
 * these: without it, "pick a demo account" would be a password-less sign-in as any active person, admins
 * included, for whoever can post an email address.
 */
export function isDemoAccountEmail(email: string): boolean {
  const e = email.trim().toLowerCase();
  return DEMO_ACCOUNTS.some((a) => a.email === e);
}

export type DemoAccount = { email: string; name: string; role: string; hint: string; title: string | null };

/**
 * The demo accounts that exist in this database and can sign in (active humans), for the sign-in page.
 * Public data by design: it is only called when demo sign-in is on.
 */
export async function listDemoAccounts(db: Tx): Promise<DemoAccount[]> {
  const rows = await db.identity.findMany({
    where: { email: { in: DEMO_ACCOUNTS.map((a) => a.email) }, kind: "HUMAN", status: "ACTIVE" },
    select: { email: true, displayName: true, title: true },
  });
  const byEmail = new Map(rows.map((r) => [r.email?.toLowerCase(), r]));
  return DEMO_ACCOUNTS.flatMap((a) => {
    const row = byEmail.get(a.email);
    return row ? [{ email: a.email, name: row.displayName, role: a.role, hint: a.hint, title: row.title }] : [];
  });
}
