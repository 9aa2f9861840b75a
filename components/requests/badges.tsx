import { Badge, type Tone } from "@/components/ui/badge";
import { APPROVAL_KIND_LABEL } from "@/server/domain/approvals/schema";
import { REQUEST_STATUS_LABEL } from "@/server/domain/requests/schema";

const REQUEST_TONE: Record<string, Tone> = { PENDING: "blue", APPROVED: "green", DENIED: "red", CANCELLED: "slate", EXPIRED: "amber" };

export function RequestStatusBadge({ status }: { status: string }) {
  return <Badge tone={REQUEST_TONE[status] ?? "slate"}>{REQUEST_STATUS_LABEL[status as keyof typeof REQUEST_STATUS_LABEL] ?? status}</Badge>;
}

const STEP_TONE: Record<string, Tone> = { WAITING: "slate", OPEN: "blue", APPROVED: "green", DENIED: "red", VOID: "slate" };
const STEP_LABEL: Record<string, string> = { WAITING: "Waiting", OPEN: "Open", APPROVED: "Approved", DENIED: "Denied", VOID: "Void" };

export function StepStatusBadge({ status }: { status: string }) {
  return <Badge tone={STEP_TONE[status] ?? "slate"}>{STEP_LABEL[status] ?? status}</Badge>;
}

export function kindLabel(kind: string): string {
  return APPROVAL_KIND_LABEL[kind as keyof typeof APPROVAL_KIND_LABEL] ?? kind;
}

/** "3 days", "4 hours", "1 day 6 hours". */
export function formatHours(h: number): string {
  const d = Math.floor(h / 24);
  const r = h % 24;
  const parts = [d ? `${d} day${d === 1 ? "" : "s"}` : "", r ? `${r} hour${r === 1 ? "" : "s"}` : ""].filter(Boolean);
  return parts.join(" ") || "0 hours";
}
