import { Badge, type Tone } from "@/components/ui/badge";
import { GRANT_STATUS_LABEL } from "@/server/domain/audit/schema";

const STATUS_TONE: Record<string, Tone> = { ACTIVE: "green", PENDING_PROVISION: "blue", PENDING_REVOKE: "amber", REVOKED: "slate", PROVISION_FAILED: "red", REVOKE_FAILED: "red" };

export function GrantStatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "slate"}>{GRANT_STATUS_LABEL[status as keyof typeof GRANT_STATUS_LABEL] ?? status}</Badge>;
}

/** The result of checking one lineage link against the ledger. */
export function ProofBadge({ proof, subjectId }: { proof: { status: "verified" | "broken" | "missing"; action: string; seq: string | null; reason: string | null } | null; subjectId: string }) {
  if (!proof) return null;
  if (proof.status === "verified")
    return (
      <a href={`/audit/ledger?subjectId=${encodeURIComponent(subjectId)}&action=${encodeURIComponent(proof.action)}`} className="no-underline" title={`Ledger event ${proof.seq} (${proof.action}): its hash recomputes and links to the event before it`}>
        <Badge tone="green">✓ Verified · ledger #{proof.seq}</Badge>
      </a>
    );
  if (proof.status === "broken") return <Badge tone="red" title={proof.reason ?? undefined}>✗ Ledger event #{proof.seq} fails its check</Badge>;
  return (
    <Badge tone="amber" title={proof.reason ?? undefined}>
      ! Not in the ledger ({proof.action})
    </Badge>
  );
}
