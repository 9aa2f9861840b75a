import type { StageView } from "@/server/domain/requests/queries";
import { formatDateTime } from "@/components/ui/format";
import { kindLabel, StepStatusBadge } from "./badges";
import { describeAuthority } from "./authority";

/** The approval stages of a request: who can decide each, who did, and with what authority. */
export function StageList({ stages, showVoid = false }: { stages: StageView[]; showVoid?: boolean }) {
  const shown = showVoid ? stages : stages.filter((s) => s.status !== "VOID");
  if (shown.length === 0) return <p className="text-sm text-slate-500">No approval stages.</p>;
  return (
    <ol className="space-y-3" aria-label="Approval stages">
      {shown.map((s, i) => (
        <li key={s.id} className={`rounded-md border px-3 py-2.5 ${s.status === "OPEN" ? "border-brand-500/40 bg-brand-50/40" : "border-slate-200"} ${s.status === "VOID" ? "opacity-60" : ""}`} data-testid="stage">
          <div className="flex flex-wrap items-center gap-2">
            <span className="text-sm font-semibold text-slate-900">
              Stage {showVoid ? s.stageOrder : i + 1}: {kindLabel(s.kind)}
            </span>
            <StepStatusBadge status={s.status} />
            {s.fallback && s.status !== "VOID" && <span className="text-xs text-amber-700">went to fallback approvers{s.escalatedAt ? ` (${formatDateTime(s.escalatedAt)})` : ""}</span>}
            {s.status === "VOID" && s.boundRevision && <span className="text-xs text-slate-500">approval of revision {s.boundRevision}, voided by an edit</span>}
          </div>
          {s.decidedBy ? (
            <div className="mt-1 text-sm text-slate-800">
              {s.status === "DENIED" ? "Denied" : "Approved"} by <span className="font-medium">{s.decidedBy.name}</span> on {formatDateTime(s.decidedAt)}
              {s.authority && <div className="text-xs text-slate-600">Authority: {describeAuthority(s.authority)}</div>}
              {s.reason && <div className="mt-0.5 text-xs text-slate-600">“{s.reason}”</div>}
            </div>
          ) : s.status === "OPEN" || s.status === "WAITING" ? (
            <div className="mt-1 text-sm text-slate-700">
              {s.eligible.length ? (
                <>
                  {s.status === "OPEN" ? "Can decide: " : "Would be decided by: "}
                  <span className="font-medium">{s.eligible.map((p) => p.name).join(", ")}</span>
                </>
              ) : (
                <span className="text-red-700">Nobody is eligible to decide this stage.</span>
              )}
              {s.delegates.length > 0 && (
                <div className="text-xs text-slate-600">
                  Also, as delegates: {s.delegates.map((d) => `${d.name} (for ${s.eligible.find((e) => e.id === d.forId)?.name ?? "someone"})`).join(", ")}
                </div>
              )}
              {s.status === "OPEN" && s.escalateAt && !s.escalatedAt && <div className="text-xs text-slate-500">Escalates to fallback approvers {formatDateTime(s.escalateAt)}</div>}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
