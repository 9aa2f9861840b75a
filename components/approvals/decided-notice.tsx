"use client";
/**
 * What was just decided, said on the page the approver lands on next (the next request or the inbox):
 * carried in the URL (`decided`, `what`), so it survives the navigation and needs no client state.
 */
import { useSearchParams } from "next/navigation";

export type DecidedKind = "approved" | "approved-stage" | "denied" | "bulk";

const TEXT: Record<Exclude<DecidedKind, "bulk">, string> = {
  approved: "Approved",
  "approved-stage": "Approved your stage of",
  denied: "Denied",
};

/** The query string that makes the next page say what was decided. */
export function decidedNoticeParams(kind: DecidedKind, what: string): string {
  return new URLSearchParams({ decided: kind, what: what.slice(0, 200) }).toString();
}

export function DecidedNotice({ emptyInbox = false }: { emptyInbox?: boolean }) {
  const params = useSearchParams();
  const kind = params.get("decided") as DecidedKind | null;
  const what = params.get("what");
  if (!kind || !what) return null;
  const head = kind === "bulk" ? what : `${TEXT[kind] ?? "Decided"}: ${what}.`;
  return (
    <div role="status" data-testid="decided-notice" className="mb-4 flex flex-wrap items-center gap-2 rounded-md border border-green-200 bg-green-50 px-4 py-2.5 text-sm text-green-900">
      <span aria-hidden>✓</span>
      <span className="font-medium">{head}</span>
      {kind !== "bulk" && <span>{emptyInbox ? "Nothing else is waiting for you." : "Here is the next request waiting for you."}</span>}
    </div>
  );
}
