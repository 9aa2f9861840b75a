/**
 * The grants on an identity's page: what the identity holds now, and what it held (revoked). Plain tables:
 * the lists are complete (history capped, with the total shown), so there is nothing to page or sort.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, PrivilegedBadge, RiskBadge, StatusBadge, type Tone } from "@/components/ui/badge";
import { daysUntil, formatDate } from "@/components/ui/format";
import type { IdentityGrant } from "@/server/domain/identities/queries";

export const ORIGIN: Record<IdentityGrant["origin"], { label: string; tone: Tone; title: string }> = {
  REQUEST: { label: "Request", tone: "slate", title: "Granted through an approved access request" },
  IMPORTED: { label: "Standing access — origin unverified", tone: "amber", title: "Imported from the target system: no approved request is on record" },
  BREAK_GLASS: { label: "Break-glass", tone: "red", title: "Emergency access, followed up by security" },
};

const CAUSE: Record<string, string> = { EXPIRY: "Expired", REVIEW: "Access review", LEAVER: "Leaver", MANUAL: "Manual" };

/** "Expires in N days" (amber within 14 days), "Expired N days ago" (red), or "No end date" (amber: standing access). */
export function ExpiryNote({ expiresAt, now, noEnd = "No end date" }: { expiresAt: Date | null; now: Date; noEnd?: string }) {
  if (!expiresAt) return <span className="text-amber-800">{noEnd}</span>;
  const days = daysUntil(expiresAt, now);
  const text = days < 0 ? `expired ${-days} day${days === -1 ? "" : "s"} ago` : days === 0 ? "expires today" : `expires in ${days} day${days === 1 ? "" : "s"}`;
  const tone = days <= 0 ? "text-red-700 font-medium" : days <= 14 ? "text-amber-800" : "text-slate-500";
  return (
    <span>
      {formatDate(expiresAt)} <span className={`text-xs ${tone}`}>({text})</span>
    </span>
  );
}

function Table({ label, head, children }: { label: string; head: string[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label={label}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className="whitespace-nowrap px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

function EntitlementCell({ g }: { g: IdentityGrant }) {
  return (
    <td className="px-3 py-2">
      <Link href={`/catalog/entitlements/${g.entitlement.id}`} className="font-medium text-brand-700 hover:underline">
        {g.entitlement.name}
      </Link>
      <Link href={`/catalog/systems/${g.entitlement.system.id}`} className="block text-xs text-slate-500 hover:underline">
        {g.entitlement.system.name}
      </Link>
    </td>
  );
}

function OriginBadge({ origin }: { origin: IdentityGrant["origin"] }) {
  const o = ORIGIN[origin];
  return (
    <Badge tone={o.tone} title={o.title}>
      {o.label}
    </Badge>
  );
}

/** `actions`, when given, adds a last column (e.g. the Revoke button for those allowed). */
export function CurrentGrantsTable({ grants, now, actions }: { grants: IdentityGrant[]; now: Date; actions?: (g: IdentityGrant) => ReactNode }) {
  return (
    <Table label="Access held" head={["Entitlement", "Risk", "Status", "Origin", "Since", "Expires", ...(actions ? ["Action"] : [])]}>
      {grants.map((g) => (
        <tr key={g.id}>
          <EntitlementCell g={g} />
          <td className="whitespace-nowrap px-3 py-2">
            <span className="inline-flex gap-1.5">
              <RiskBadge risk={g.entitlement.risk} />
              {g.entitlement.privileged && <PrivilegedBadge />}
            </span>
          </td>
          <td className="whitespace-nowrap px-3 py-2">
            <StatusBadge status={g.status} />
          </td>
          <td className="whitespace-nowrap px-3 py-2">
            <OriginBadge origin={g.origin} />
          </td>
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatDate(g.startsAt)}</td>
          <td className="whitespace-nowrap px-3 py-2">
            <ExpiryNote expiresAt={g.expiresAt} now={now} />
          </td>
          {actions && <td className="px-3 py-2">{actions(g)}</td>}
        </tr>
      ))}
    </Table>
  );
}

export function GrantHistoryTable({ grants }: { grants: IdentityGrant[] }) {
  return (
    <Table label="Access history" head={["Entitlement", "Risk", "Origin", "From", "Revoked", "Cause"]}>
      {grants.map((g) => (
        <tr key={g.id}>
          <EntitlementCell g={g} />
          <td className="whitespace-nowrap px-3 py-2">
            <span className="inline-flex gap-1.5">
              <RiskBadge risk={g.entitlement.risk} />
              {g.entitlement.privileged && <PrivilegedBadge />}
            </span>
          </td>
          <td className="whitespace-nowrap px-3 py-2">
            <OriginBadge origin={g.origin} />
          </td>
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatDate(g.startsAt)}</td>
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{formatDate(g.revokedAt)}</td>
          <td className="whitespace-nowrap px-3 py-2 text-slate-700">{g.revocationCause ? CAUSE[g.revocationCause] ?? g.revocationCause : "—"}</td>
        </tr>
      ))}
    </Table>
  );
}
