import type { TimelineEntry } from "@/server/domain/requests/queries";
import { formatDateTime } from "@/components/ui/format";
import { describeAuthority } from "./authority";
import type { Authority } from "@/server/domain/approvals/eligibility";
import { kindLabel } from "./badges";
import { eventLabel } from "@/server/domain/audit/schema";

type P = Record<string, unknown>;

function detail(action: string, p: P): string | null {
  const names = (xs: unknown) => (Array.isArray(xs) ? xs.map((x) => (x as { name?: string }).name).filter(Boolean).join(", ") : "");
  switch (action) {
    case "request.policy_decided":
      return `${p.allowed ? (p.autoApproved ? "Auto-approved" : `Stages: ${(p.stages as string[]).map(kindLabel).join(" → ")}`) : "Denied"} · policy v${p.policyVersion} · ${(p.determining as string[]).join(", ")}`;
    case "request.denied_by_policy":
      return (p.reasons as string[]).join(" ");
    case "approval.stage_opened":
      return `${kindLabel(String(p.kind))}: ${names(p.eligible) || "nobody eligible"}${p.fallback ? " (fallback)" : ""}`;
    case "approval.approved":
    case "approval.denied":
      return `${kindLabel(String(p.kind))} · ${p.authority ? describeAuthority(p.authority as Authority) : ""}${p.reason ? ` · “${p.reason}”` : ""}`;
    case "approval.escalated":
      return `${kindLabel(String(p.kind))}: added ${names(p.added) || "nobody"}`;
    case "request.edited":
      return `Revision ${p.revision}: changed ${Object.keys((p.changes as P) ?? {}).join(", ")}`;
    case "request.denied":
      return p.reason ? `“${p.reason}”` : null;
    default:
      return null;
  }
}

/** Every ledger event of the request (and of its grant), oldest first, with its sequence number. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol className="relative space-y-3 border-l border-slate-200 pl-4" aria-label="Timeline">
      {entries.map((e) => {
        const d = detail(e.action, (e.payload ?? {}) as P);
        return (
          <li key={e.seq} className="text-sm">
            <span className="absolute -left-1.5 mt-1.5 h-3 w-3 rounded-full border border-white bg-brand-500" aria-hidden />
            <div className="flex flex-wrap items-baseline gap-x-2">
              <span className="font-medium text-slate-900">{eventLabel(e.action)}</span>
              <span className="text-xs text-slate-500">
                {formatDateTime(e.occurredAt)} · {e.actor ? e.actor.name : "Warrant"} · ledger #{e.seq}
              </span>
            </div>
            {d && <div className="text-xs text-slate-600">{d}</div>}
          </li>
        );
      })}
    </ol>
  );
}
