import type { Authority } from "@/server/domain/approvals/eligibility";
import { formatDateTime } from "@/components/ui/format";

/** Why someone could decide: "Manager of Priya Nair", "Owner of db-admin (Payments)", "delegated by …". */
export function describeAuthority(a: Authority): string {
  const base =
    a.kind === "MANAGER_OF"
      ? `Manager of ${a.subject.name}`
      : a.kind === "OWNER_OF"
        ? `Owner of ${a.subject.name}`
        : a.kind === "SECURITY_ROLE"
          ? "Security role"
          : `Fallback approver: ${a.subject.name}`;
  return a.via ? `${base}, delegated by ${a.via.delegatedBy.name} (${formatDateTime(a.via.window.from)} – ${formatDateTime(a.via.window.to)})` : base;
}

export function AuthorityText({ authority }: { authority: Authority | null }) {
  if (!authority) return null;
  return <span className="text-slate-600">{describeAuthority(authority)}</span>;
}
