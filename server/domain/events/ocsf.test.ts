/** The OCSF mapping, one test per mapped family: class, activity, type_uid, and the original event kept. */
import { describe, expect, it } from "vitest";
import { ocsfMapping, toOcsf } from "./ocsf";
import type { FeedEvent } from "./schema";

const ev = (action: string, subject: { type: string; id: string }, payload: Record<string, unknown> = {}): FeedEvent => ({
  seq: "42",
  occurredAt: "2026-12-03T07:00:00.000Z",
  actor: { id: "11111111-1111-4111-8111-111111111111", displayName: "Ada Admin" },
  onBehalfOf: null,
  action,
  subject,
  payload,
  prevHash: "a".repeat(64),
  hash: "b".repeat(64),
});

function common(o: Record<string, unknown>, e: FeedEvent) {
  expect(o.category_uid).toBe(3);
  expect(o.type_uid).toBe((o.class_uid as number) * 100 + (o.activity_id as number));
  expect(o.time).toBe(Date.parse(e.occurredAt));
  expect(o.metadata).toMatchObject({ uid: "42", sequence: 42, event_code: e.action, product: { name: "Warrant" } });
  expect(o.unmapped).toEqual({ warrant: e });
}

describe("OCSF mapping", () => {
  it("identity lifecycle → 3001 Account Change (create, enable, disable, credentials)", () => {
    const e = ev("identity.joined", { type: "Identity", id: "p1" });
    const o = toOcsf(e);
    common(o, e);
    expect(o).toMatchObject({ class_uid: 3001, class_name: "Account Change", activity_id: 1, user: { uid: "p1" } });
    expect(ocsfMapping("identity.deprovisioned")).toMatchObject({ activityId: 5, activityName: "Disable" });
    expect(ocsfMapping("identity.rejoined")).toMatchObject({ activityId: 2 });
    expect(ocsfMapping("api_token.rotated")).toMatchObject({ cls: { uid: 3001 }, activityId: 99, activityName: "Credential Rotated" });
    expect(ocsfMapping("identity.moved")).toMatchObject({ cls: { uid: 3001 }, activityId: 99 });
  });

  it("sessions → 3002 Authentication (logon, logoff)", () => {
    const e = ev("session.started", { type: "Session", id: "s1" }, { identityId: "p1" });
    const o = toOcsf(e);
    common(o, e);
    expect(o).toMatchObject({ class_uid: 3002, activity_id: 1, activity_name: "Logon", user: { uid: "p1" }, session: { uid: "s1" } });
    expect(ocsfMapping("session.revoked")).toMatchObject({ cls: { uid: 3002 }, activityId: 2 });
  });

  it("grants → 3005 User Access Management (assign, revoke), with the privilege and the system", () => {
    const e = ev("grant.provisioned", { type: "Grant", id: "g1" }, { identityId: "p1", entitlement: "ReadOnly", system: "AWS prod" });
    const o = toOcsf(e);
    common(o, e);
    expect(o).toMatchObject({ class_uid: 3005, activity_id: 1, activity_name: "Assign Privileges", user: { uid: "p1" }, privileges: ["ReadOnly"], resource: { name: "AWS prod" } });
    expect(ocsfMapping("grant.revoked")).toMatchObject({ cls: { uid: 3005 }, activityId: 2 });
    expect(ocsfMapping("grant.expired")).toMatchObject({ cls: { uid: 3005 }, activityId: 2 });
    expect(ocsfMapping("role.assigned")).toMatchObject({ cls: { uid: 3005 }, activityId: 1 });
    expect(ocsfMapping("grant.provision_failed")).toMatchObject({ cls: { uid: 3005 }, activityId: 99 });
    expect(toOcsf(ev("grant.provision_failed", { type: "Grant", id: "g1" }))).toMatchObject({ status_id: 2, status: "Failure" });
  });

  it("SCIM groups → 3006 Group Management (create, update, delete)", () => {
    const e = ev("scim.group.created", { type: "ScimGroup", id: "grp1" }, { displayName: "Finance" });
    const o = toOcsf(e);
    common(o, e);
    expect(o).toMatchObject({ class_uid: 3006, activity_id: 6, group: { uid: "grp1", name: "Finance" } });
    expect(ocsfMapping("scim.group.deleted")).toMatchObject({ cls: { uid: 3006 }, activityId: 5 });
    expect(ocsfMapping("scim.group.updated")).toMatchObject({ cls: { uid: 3006 }, activityId: 99 });
  });

  it("governance objects (requests, approvals, campaigns, webhooks, checkpoints …) → 3004 Entity Management by verb", () => {
    const e = ev("request.submitted", { type: "AccessRequest", id: "r1" });
    const o = toOcsf(e);
    common(o, e);
    expect(o).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { uid: "r1", type: "AccessRequest" }, message: "Request submitted" });
    expect(ocsfMapping("system.updated")).toMatchObject({ cls: { uid: 3004 }, activityId: 3 });
    expect(ocsfMapping("delegation.revoked")).toMatchObject({ cls: { uid: 3004 }, activityId: 4 });
    expect(ocsfMapping("webhook.dead_lettered")).toMatchObject({ cls: { uid: 3004 }, activityId: 99 });
    expect(ocsfMapping("checkpoint.signed")).toMatchObject({ cls: { uid: 3004 }, activityId: 1 });
  });

  it("a system actor is named as the system", () => {
    expect(toOcsf({ ...ev("grant.expired", { type: "Grant", id: "g" }), actor: null })).toMatchObject({ actor: { user: { uid: "system", type: "System" } } });
  });
});
