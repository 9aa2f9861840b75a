import type { ReactNode } from "react";

export type Tone = "slate" | "green" | "amber" | "orange" | "red" | "blue" | "violet";

const tones: Record<Tone, string> = {
  slate: "bg-slate-100 text-slate-700 ring-slate-200",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  orange: "bg-orange-50 text-orange-800 ring-orange-200",
  red: "bg-red-50 text-red-700 ring-red-200",
  blue: "bg-brand-50 text-brand-700 ring-brand-100",
  violet: "bg-violet-50 text-violet-700 ring-violet-200",
};

export function Badge({ tone = "slate", children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span title={title} className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>
      {children}
    </span>
  );
}

const riskTone: Record<string, Tone> = { LOW: "green", MEDIUM: "amber", HIGH: "orange", CRITICAL: "red" };
const riskLabel: Record<string, string> = { LOW: "Low", MEDIUM: "Medium", HIGH: "High", CRITICAL: "Critical" };

export function RiskBadge({ risk }: { risk: string }) {
  return <Badge tone={riskTone[risk] ?? "slate"}>{riskLabel[risk] ?? risk} risk</Badge>;
}

export function PrivilegedBadge() {
  return (
    <Badge tone="violet" title="Privileged access: needs distinct approvers and a short maximum duration">
      Privileged
    </Badge>
  );
}

const statusTone: Record<string, Tone> = {
  ACTIVE: "green",
  SUSPENDED: "amber",
  DEPROVISIONED: "slate",
  PENDING_PROVISION: "blue",
  PENDING_REVOKE: "amber",
  REVOKED: "slate",
  PROVISION_FAILED: "red",
  REVOKE_FAILED: "red",
};

export function StatusBadge({ status }: { status: string }) {
  const label = status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, " ");
  return <Badge tone={statusTone[status] ?? "slate"}>{label}</Badge>;
}

export const KIND_LABEL: Record<string, string> = {
  HUMAN: "Person",
  SERVICE_ACCOUNT: "Service account",
  API_KEY: "API key",
  OAUTH_APP: "OAuth app",
  WORKLOAD: "Workload",
  AI_AGENT: "AI agent",
};

export function KindBadge({ kind }: { kind: string }) {
  return <Badge tone={kind === "HUMAN" ? "blue" : kind === "AI_AGENT" ? "violet" : "slate"}>{KIND_LABEL[kind] ?? kind}</Badge>;
}
