/** Words for campaign states and settings, shared by the campaign pages (no server code). */
import type { Tone } from "@/components/ui/badge";

export const CAMPAIGN_STATUS: Record<string, { label: string; tone: Tone; hint: string }> = {
  DRAFT: { label: "Draft", tone: "slate", hint: "Defined but not launched: nobody has items yet." },
  ACTIVE: { label: "Active", tone: "blue", hint: "Reviewers are deciding their items." },
  REMEDIATING: { label: "Remediating", tone: "amber", hint: "Closed for decisions; waiting until every revocation is confirmed or has failed." },
  CLOSED: { label: "Closed", tone: "green", hint: "Every decision is applied and every revocation confirmed or surfaced as failed." },
};

export const STRATEGIES = ["ENTITLEMENT_OWNER", "MANAGER", "NHI_OWNER", "NAMED"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const STRATEGY: Record<Strategy, { label: string; explain: string }> = {
  ENTITLEMENT_OWNER: {
    label: "Entitlement owner",
    explain: "Each item goes to the owner of the entitlement (or of its system when the entitlement has no owner of its own). Best for system-by-system certification.",
  },
  MANAGER: {
    label: "The holder's manager",
    explain: "Each person's access goes to their manager; non-human identities go to their accountable owner. Best for a user-access review across systems.",
  },
  NHI_OWNER: {
    label: "Non-human identity owner",
    explain: "Each item goes to the owner of the service account, API key, workload or agent that holds it. Use it with “Non-human identities only”.",
  },
  NAMED: {
    label: "Named reviewers",
    explain: "Items are shared among the people you name. Useful when an audit team or a committee certifies access.",
  },
};

export const DEFAULT_ACTIONS = ["KEEP", "REVOKE", "ESCALATE"] as const;
export type DefaultAction = (typeof DEFAULT_ACTIONS)[number];

export const DEFAULT_ACTION: Record<DefaultAction, { label: string; explain: string; verb: string }> = {
  KEEP: { label: "Keep", explain: "Undecided access stays as it is; the report marks those items as defaulted, not reviewed.", verb: "kept (marked as defaulted)" },
  REVOKE: { label: "Revoke", explain: "Undecided access is removed from the target systems when the campaign closes, like a reviewer's revoke.", verb: "revoked (revocations requested)" },
  ESCALATE: {
    label: "Escalate",
    explain: "The first close does not close: undecided items go to the fallback reviewer with 7 more days. Anything still undecided at the next close is kept and reported as an exception.",
    verb: "escalated to the fallback reviewer (the campaign stays active for 7 more days)",
  },
};

export const RECURRENCES = ["", "MONTHLY", "QUARTERLY", "YEARLY"] as const;
export const RECURRENCE_LABEL: Record<string, string> = { "": "None (one-off)", MONTHLY: "Monthly", QUARTERLY: "Quarterly", YEARLY: "Yearly" };

export const ORIGIN_LABEL: Record<string, string> = { REQUEST: "Approved request", IMPORTED: "Imported (origin unverified)", BREAK_GLASS: "Break-glass" };

export function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
}
