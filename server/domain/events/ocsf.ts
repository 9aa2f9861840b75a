/**
 * Warrant's ledger events as OCSF 1.3 events (Open Cybersecurity Schema Framework), for SIEM ingestion.
 * The table, family by family (docs/events.md repeats it for operators):
 *
 * | Warrant actions                                           | OCSF class                      | activity                              |
 * |-----------------------------------------------------------|---------------------------------|---------------------------------------|
 * | identity.joined, identity.imported, identity.nhi.created   | 3001 Account Change             | 1 Create                              |
 * | identity.rejoined                                         | 3001 Account Change             | 2 Enable                              |
 * | identity.deprovisioned                                    | 3001 Account Change             | 5 Disable                             |
 * | api_token.issued / rotated / revoked                      | 3001 Account Change             | 99 Other (credential issued/…)        |
 * | identity.updated, identity.moved, identity.nhi.updated    | 3001 Account Change             | 99 Other                              |
 * | session.started / session.revoked                         | 3002 Authentication             | 1 Logon / 2 Logoff                    |
 * | grant.provisioned, grant.active(d), grant.imported, role.assigned | 3005 User Access Management | 1 Assign Privileges              |
 * | grant.revoked, grant.expired                              | 3005 User Access Management     | 2 Revoke Privileges                   |
 * | other grant.* (requested, failed, expiring, …)            | 3005 User Access Management     | 99 Other                              |
 * | scim.group.created / updated / deleted                    | 3006 Group Management           | 6 Create / 99 Other / 5 Delete        |
 * | request.*, approval.*, campaign.*, review.*, delegation.*, system.*, entitlement.*, policy.*, finding.*, reconciliation.*, evidence.*, checkpoint.*, break_glass.*, … | 3004 Entity Management | 1 Create / 3 Update / 4 Delete / 99 Other (by the verb) |
 *
 * 3003 Authorize Session is not emitted: Warrant grants entitlements in target systems, not sessions.
 * Every OCSF event keeps the chain verifiable: `metadata.uid` and `metadata.sequence` are the seq, and
 * `unmapped.warrant` is the original feed event (with payload, prevHash and hash) exactly as the feed gives it.
 * Events whose action ends in "failed" carry status_id 2 (Failure); others 1 (Success).
 */
import { EVENT_LABELS } from "../audit/schema";
import type { FeedEvent } from "./schema";

export const OCSF_VERSION = "1.3.0";

export type OcsfClass = { uid: number; name: string };
export const OCSF_CLASSES = {
  accountChange: { uid: 3001, name: "Account Change" },
  authentication: { uid: 3002, name: "Authentication" },
  authorizeSession: { uid: 3003, name: "Authorize Session" },
  entityManagement: { uid: 3004, name: "Entity Management" },
  userAccessManagement: { uid: 3005, name: "User Access Management" },
  groupManagement: { uid: 3006, name: "Group Management" },
} as const satisfies Record<string, OcsfClass>;

export type OcsfMapping = { cls: OcsfClass; activityId: number; activityName: string };

const exact: Record<string, OcsfMapping> = {
  "identity.joined": { cls: OCSF_CLASSES.accountChange, activityId: 1, activityName: "Create" },
  "identity.imported": { cls: OCSF_CLASSES.accountChange, activityId: 1, activityName: "Create" },
  "identity.nhi.created": { cls: OCSF_CLASSES.accountChange, activityId: 1, activityName: "Create" },
  "identity.rejoined": { cls: OCSF_CLASSES.accountChange, activityId: 2, activityName: "Enable" },
  "identity.deprovisioned": { cls: OCSF_CLASSES.accountChange, activityId: 5, activityName: "Disable" },
  "api_token.issued": { cls: OCSF_CLASSES.accountChange, activityId: 99, activityName: "Credential Issued" },
  "api_token.rotated": { cls: OCSF_CLASSES.accountChange, activityId: 99, activityName: "Credential Rotated" },
  "api_token.revoked": { cls: OCSF_CLASSES.accountChange, activityId: 99, activityName: "Credential Revoked" },
  "session.started": { cls: OCSF_CLASSES.authentication, activityId: 1, activityName: "Logon" },
  "session.revoked": { cls: OCSF_CLASSES.authentication, activityId: 2, activityName: "Logoff" },
  "grant.provisioned": { cls: OCSF_CLASSES.userAccessManagement, activityId: 1, activityName: "Assign Privileges" },
  "grant.active": { cls: OCSF_CLASSES.userAccessManagement, activityId: 1, activityName: "Assign Privileges" },
  "grant.activated": { cls: OCSF_CLASSES.userAccessManagement, activityId: 1, activityName: "Assign Privileges" },
  "grant.imported": { cls: OCSF_CLASSES.userAccessManagement, activityId: 1, activityName: "Assign Privileges" },
  "role.assigned": { cls: OCSF_CLASSES.userAccessManagement, activityId: 1, activityName: "Assign Privileges" },
  "grant.revoked": { cls: OCSF_CLASSES.userAccessManagement, activityId: 2, activityName: "Revoke Privileges" },
  "grant.expired": { cls: OCSF_CLASSES.userAccessManagement, activityId: 2, activityName: "Revoke Privileges" },
  "scim.group.created": { cls: OCSF_CLASSES.groupManagement, activityId: 6, activityName: "Create" },
  "scim.group.updated": { cls: OCSF_CLASSES.groupManagement, activityId: 99, activityName: "Other" },
  "scim.group.deleted": { cls: OCSF_CLASSES.groupManagement, activityId: 5, activityName: "Delete" },
};

/** Entity Management's activity from the action's verb (its last part). */
function entityActivity(action: string): Pick<OcsfMapping, "activityId" | "activityName"> {
  const verb = action.split(".").pop() ?? "";
  if (/^(created|submitted|saved|requested|registered|drafted|launched|signed|imported|opened)$/.test(verb) || verb.endsWith("_requested") || verb.endsWith("_opened")) return { activityId: 1, activityName: "Create" };
  if (/^(updated|edited|moved|reassigned|decided|approved|denied|extended|changed|due_extended|paused|resumed|enabled|disabled|replayed|skipped)$/.test(verb) || verb.endsWith("_changed")) return { activityId: 3, activityName: "Update" };
  if (/^(deleted|revoked|cancelled|expired|closed|resolved)$/.test(verb)) return { activityId: 4, activityName: "Delete" };
  return { activityId: 99, activityName: "Other" };
}

/** The OCSF class and activity of a ledger action. */
export function ocsfMapping(action: string): OcsfMapping {
  const known = exact[action];
  if (known) return known;
  if (action.startsWith("identity.")) return { cls: OCSF_CLASSES.accountChange, activityId: 99, activityName: "Other" };
  if (action.startsWith("grant.")) return { cls: OCSF_CLASSES.userAccessManagement, activityId: 99, activityName: "Other" };
  if (action.startsWith("scim.group.")) return { cls: OCSF_CLASSES.groupManagement, activityId: 99, activityName: "Other" };
  return { cls: OCSF_CLASSES.entityManagement, ...entityActivity(action) };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

/** One feed event as an OCSF event (category 3, Identity & Access Management). */
export function toOcsf(e: FeedEvent): Record<string, unknown> {
  const m = ocsfMapping(e.action);
  const payload = (e.payload && typeof e.payload === "object" ? e.payload : {}) as Record<string, unknown>;
  const failed = /(^|[._])failed$/.test(e.action) || e.action.endsWith("_failed");
  const actorUser = e.actor ? { uid: e.actor.id, name: e.actor.displayName ?? undefined } : { uid: "system", name: "Warrant", type: "System" };
  const out: Record<string, unknown> = {
    class_uid: m.cls.uid,
    class_name: m.cls.name,
    category_uid: 3,
    category_name: "Identity & Access Management",
    activity_id: m.activityId,
    activity_name: m.activityName,
    type_uid: m.cls.uid * 100 + m.activityId,
    type_name: `${m.cls.name}: ${m.activityName}`,
    time: Date.parse(e.occurredAt),
    severity_id: 1,
    severity: "Informational",
    status_id: failed ? 2 : 1,
    status: failed ? "Failure" : "Success",
    message: EVENT_LABELS[e.action] ?? e.action,
    actor: { user: actorUser, ...(e.onBehalfOf ? { invoked_by: e.onBehalfOf.id } : {}) },
    metadata: {
      version: OCSF_VERSION,
      product: { name: "Warrant", vendor_name: "Warrant", feature: { name: "Evidence ledger" } },
      uid: e.seq,
      sequence: Number(e.seq),
      log_name: "warrant-ledger",
      original_time: e.occurredAt,
      event_code: e.action,
    },
    unmapped: { warrant: e },
  };
  const userUid = e.subject.type === "Identity" ? e.subject.id : str(payload.identityId);
  if (m.cls.uid === 3001 || m.cls.uid === 3002 || m.cls.uid === 3005) out.user = { uid: userUid ?? e.subject.id, ...(str(payload.displayName) ? { name: str(payload.displayName) } : {}) };
  if (m.cls.uid === 3005) {
    const privilege = str(payload.entitlement) ?? str(payload.entitlementId);
    out.privileges = privilege ? [privilege] : [];
    if (str(payload.system)) out.resource = { name: str(payload.system), type: "System" };
  }
  if (m.cls.uid === 3006) out.group = { uid: e.subject.id, ...(str(payload.displayName) ? { name: str(payload.displayName) } : {}) };
  if (m.cls.uid === 3004) out.entity = { uid: e.subject.id, type: e.subject.type };
  if (m.cls.uid === 3002) out.session = { uid: e.subject.id };
  return out;
}
