/**
 * API clients as governed non-human identities, and machine requesters (issue 12 §2):
 *   - the owner (any person) registers a client and requests its first scopes in one transaction, through
 *     the policy; the Warrant API system is created on first use; a scope grant is confirmed at once;
 *   - a token is issued only while the client holds a scope, by its owner or an admin, shown once; a
 *     second current token is a rotation; a scope's expiry removes it from the scopes at once;
 *   - an agent submits for itself (requests:write) or on behalf of a person (requests:on-behalf), with the
 *     chain (agent X, owned by Y, acting for Z) in the policy input, the ledger and the request page;
 *   - the default policy: agent requests get a lower maximum and a human approval for privileged access;
 *   - refusals change nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { callerAs, makeHuman, makeNhi } from "../../testing/factories";
import { expectCleanRace, expectRefusedOnlyWith, moreInstances, race } from "../../testing/race-kit";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { runInApiCall } from "./call-context";
import { heldScopes } from "./held-scopes";
import { WARRANT_API_SYSTEM_ID, type ApiScope } from "./scopes";
import { scopeEntitlementIds } from "./system";
import { evaluatePolicy } from "../policy/evaluate";
import { currentPolicyVersion } from "../policy/queries";
import type { PolicyInput } from "../policy/types";
import { approveAllStages, DAY, requestCast, submitInput, type RequestCast } from "../requests/request-test-kit";
import { machineChainText } from "../requests/schema";

let db: TestDb;
let c: RequestCast;
let scopeIds: Map<ApiScope, string>;

const JUST = "The nightly pipeline files access requests for the data team";

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

async function expectRefused(call: () => Promise<unknown>, code: string, message?: RegExp) {
  const before = await dbFingerprint(db.prisma);
  const err = await call().then(() => null, (e: unknown) => e as { code: string; message: string });
  expect(err, "the call should have been refused").not.toBeNull();
  expect(err!.code).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  await expectNothingChanged(db.prisma, before, "a refused call");
}

/** Registers an AI agent owned by the employee with the given first scopes (as the employee). */
async function registerAgent(name: string, scopes: ApiScope[], over: Record<string, unknown> = {}) {
  return c.as.employee.identities.createNhi({
    kind: "AI_AGENT",
    displayName: name,
    ownerId: c.employee.id,
    purpose: "Files access requests for the data team from tickets",
    credentialExpiresAt: new Date(c.clock.now().getTime() + 60 * DAY),
    apiClient: { scopes, justification: JUST, durationDays: 30 },
    ...over,
  });
}

const approveAll = (requestId: string) => approveAllStages(db.prisma, c, requestId);

async function provision() {
  await processProvisioningTasks(db.prisma, c.clock.now(), "test-worker", 50);
}

describe(`API clients and machine requesters (${TEST_ENGINE})`, () => {
  let agentId: string;

  it("an employee registers an AI agent with its first scopes: the Warrant API system appears, one request per scope, through the policy", async () => {
    const created = await registerAgent("Triage agent", ["requests:write", "requests:on-behalf"]);
    agentId = created.id;
    expect(created).toMatchObject({ kind: "AI_AGENT", ownerId: c.employee.id });
    expect(created.scopeRequests.map((r) => [r.scope, r.status])).toEqual([
      ["requests:write", "PENDING"],
      ["requests:on-behalf", "PENDING"],
    ]);
    const system = await db.prisma.system.findUniqueOrThrow({ where: { id: WARRANT_API_SYSTEM_ID }, include: { entitlements: true } });
    expect(system).toMatchObject({ connector: "WARRANT_API", ownerId: c.admin.id, reconcileEveryHours: 0 });
    expect(system.entitlements.find((e) => e.externalRef === "requests:on-behalf")).toMatchObject({ privileged: true, maxDurationDays: 30 });
    scopeIds = await scopeEntitlementIds(db.prisma as never);
    // The privileged scope needs the entitlement owner (the system owner) and security; the plain one the owner's manager.
    const reqs = await db.prisma.accessRequest.findMany({ where: { beneficiaryId: agentId }, include: { steps: { orderBy: { stageOrder: "asc" } } } });
    const onBehalf = reqs.find((r) => r.entitlementId === scopeIds.get("requests:on-behalf"))!;
    expect(onBehalf.steps.map((s) => s.kind)).toEqual(["OWNER", "SECURITY"]);
    expect(onBehalf.requesterId).toBe(c.employee.id);
    const events = await db.prisma.ledgerEvent.findMany({ where: { subjectId: { in: [agentId, WARRANT_API_SYSTEM_ID] } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["identity.nhi.created", "system.created"]);
  });

  it("the built-in system's connector cannot be changed, and changes nothing", async () => {
    const sys = await db.prisma.system.findUniqueOrThrow({ where: { id: WARRANT_API_SYSTEM_ID } });
    await expectRefused(() => c.as.admin.catalog.updateSystem({ id: sys.id, expectedUpdatedAt: sys.updatedAt, connector: "MANUAL" }), "BAD_REQUEST", /built in/);
  });

  it("refuses a token while the client holds no scope, and changes nothing", async () => {
    await expectRefused(() => c.as.employee.apiClients.issueToken({ identityId: agentId }), "BAD_REQUEST", /holds no API scope/);
  });

  it("after approval the scope grant is confirmed at once; the owner issues a token shown once; a second is refused", async () => {
    for (const r of await db.prisma.accessRequest.findMany({ where: { beneficiaryId: agentId, status: "PENDING" } })) expect(await approveAll(r.id)).toBe("APPROVED");
    await provision();
    const grants = await db.prisma.grant.findMany({ where: { identityId: agentId } });
    expect(grants.map((g) => g.status)).toEqual(["ACTIVE", "ACTIVE"]);
    const detail = await c.as.employee.apiClients.byId({ id: agentId });
    expect(detail.scopes.sort()).toEqual(["requests:on-behalf", "requests:write"]);
    const issued = await c.as.employee.apiClients.issueToken({ identityId: agentId });
    expect(issued.token).toMatch(/^wrt_/);
    const after = await c.as.employee.apiClients.byId({ id: agentId });
    expect(after.tokens).toHaveLength(1);
    expect(after.tokens[0]).toMatchObject({ prefix: issued.prefix, state: "active" });
    expect(JSON.stringify(after)).not.toContain(issued.token);
    await expectRefused(() => c.as.employee.apiClients.issueToken({ identityId: agentId }), "CONFLICT", /rotate it instead/);
    // The owner rotates and revokes; events name the owner.
    const rotated = await c.as.employee.apiClients.rotateToken({ tokenId: issued.tokenId, overlapHours: 1 });
    await c.as.employee.apiClients.revokeToken({ tokenId: rotated.tokenId, reason: "Rotating the agent's secret store" });
    const actions = (await db.prisma.ledgerEvent.findMany({ where: { subjectId: agentId, action: { startsWith: "api_token." } }, orderBy: { seq: "asc" } })).map((e) => [e.action, e.actorId]);
    expect(actions).toEqual([
      ["api_token.issued", c.employee.id],
      ["api_token.issued", c.employee.id],
      ["api_token.rotated", c.employee.id],
      ["api_token.revoked", c.employee.id],
    ]);
  });

  it("nobody but the owner or an admin issues, rotates or revokes a client's tokens, or reads them", async () => {
    await expectRefused(() => c.as.peer.apiClients.issueToken({ identityId: agentId }), "FORBIDDEN");
    await expectRefused(() => c.as.manager.apiClients.byId({ id: agentId }), "FORBIDDEN");
    const t = await c.as.admin.apiClients.issueToken({ identityId: agentId });
    await expectRefused(() => c.as.peer.apiClients.rotateToken({ tokenId: t.tokenId, overlapHours: 1 }), "FORBIDDEN");
    await expectRefused(() => c.as.peer.apiClients.revokeToken({ tokenId: t.tokenId, reason: "not mine" }), "FORBIDDEN");
    await expectRefused(() => c.as.auditor.apiClients.revokeToken({ tokenId: t.tokenId, reason: "auditors change nothing" }), "FORBIDDEN");
    expect((await c.as.auditor.apiClients.byId({ id: agentId })).tokens.length).toBeGreaterThan(0);
    await c.as.admin.apiClients.revokeToken({ tokenId: t.tokenId, reason: "Test over" });
  });

  it("an agent asks on behalf of its owner's report: policy input, ledger and request page carry the chain; a human approves; the grant is created", async () => {
    const agent = callerAs(db.prisma, agentId, c.clock.now);
    // The owner (employee) does not manage the peer but shares the department (the cast has none: set it).
    await db.prisma.identity.updateMany({ where: { id: { in: [c.employee.id, c.peer.id] } }, data: { department: "Data" } });
    const out = await runInApiCall(
      { clientId: agentId, clientKind: "AI_AGENT", ownerId: c.employee.id, tokenId: "00000000-0000-4000-8000-000000000001", tokenPrefix: "wrt_testtest", scopes: new Set(["requests:on-behalf"]) },
      () => agent.requests.submit({ ...submitInput(c.medium.id, { beneficiaryId: c.peer.id, durationHours: 48 }), ticketRef: "JIRA-123" }),
    );
    expect(out.status).toBe("PENDING");
    const req = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: out.id }, include: { steps: { orderBy: { stageOrder: "asc" } } } });
    expect(req).toMatchObject({ requesterId: agentId, beneficiaryId: c.peer.id, ticketRef: "JIRA-123" });
    // The peer's manager approves first (an agent acting for someone other than its owner), then the owner stage.
    expect(req.steps.map((s) => s.kind)).toEqual(["MANAGER", "OWNER"]);
    // The agent's owner can never decide what their agent asked for.
    expect(req.steps.flatMap((s) => s.eligibleIds)).not.toContain(c.employee.id);
    const input = (req.policyDecision as { input: PolicyInput }).input;
    expect(input.requester).toMatchObject({ id: agentId, kind: "AI_AGENT", ownerId: c.employee.id });
    expect(input.facts).toMatchObject({ requesterIsMachine: true, requesterOwnerSharesDepartment: true, requesterOwnerIsBeneficiary: false, viaApiClient: true });

    const submitted = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: out.id } });
    expect(submitted).toMatchObject({ actorId: agentId, onBehalfOfId: c.employee.id });
    expect(submitted.payload).toMatchObject({
      ticketRef: "JIRA-123",
      requesterChain: { requesterId: agentId, requesterKind: "AI_AGENT", requesterOwnerId: c.employee.id, beneficiaryId: c.peer.id, onBehalfOfPerson: true },
      viaApiClient: { clientId: agentId, ownerId: c.employee.id, tokenPrefix: "wrt_testtest" },
    });

    const page = await c.as.manager.requests.byId({ id: out.id });
    expect(page.machineRequester).toMatchObject({ name: "Triage agent", kind: "AI_AGENT", owner: { id: c.employee.id, name: "Priya Employee" } });
    expect(page.ticketRef).toBe("JIRA-123");
    // The approver's inbox says which agent asked, whose it is, and for whom (the request page's words).
    const inbox = await c.as.manager.approvals.inbox({});
    const row = inbox.rows.find((r) => r.requestId === out.id)!;
    expect(row).toMatchObject({ relation: "agent", requester: { name: "Triage agent" }, machineRequester: { id: agentId, kind: "AI_AGENT", owner: { id: c.employee.id, name: "Priya Employee" } } });
    expect(machineChainText(row.machineRequester!, row.beneficiary)).toBe(`AI agent Triage agent (owned by Priya Employee) for ${page.beneficiary.name}`);

    expect(await approveAll(out.id)).toBe("APPROVED");
    await provision();
    // The cast's system is manual: the grant waits for its owner's confirmation, like any request's.
    const grant = await db.prisma.grant.findFirstOrThrow({ where: { requestId: out.id } });
    expect(grant).toMatchObject({ identityId: c.peer.id, entitlementId: c.medium.id, status: "PENDING_PROVISION" });
    const approvals = await db.prisma.approvalStep.findMany({ where: { requestId: out.id } });
    expect(approvals.every((s) => s.decidedById && ![agentId, c.employee.id, c.peer.id].includes(s.decidedById))).toBe(true);
  });

  it("an agent asks for itself with requests:write", async () => {
    const agent = callerAs(db.prisma, agentId, c.clock.now);
    const out = await agent.requests.submit(submitInput(c.low.id, { durationHours: 24 }));
    expect(out.status).toBe("PENDING");
    const ev = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: out.id } });
    expect(ev).toMatchObject({ actorId: agentId, onBehalfOfId: c.employee.id });
    await agent.requests.cancel({ id: out.id, expectedRevision: 1 });
  });

  it("refuses an agent on behalf of a suspended person, of someone its owner has no standing with, and past the agent maximum; nothing changes", async () => {
    const agent = callerAs(db.prisma, agentId, c.clock.now);
    const suspended = await makeHuman(db.prisma, { name: "Sam Suspended", managerId: c.employee.id, status: "SUSPENDED" });
    await expectRefused(() => agent.requests.submit(submitInput(c.low.id, { beneficiaryId: suspended.id })), "BAD_REQUEST", /not active/);
    const stranger = await makeHuman(db.prisma, { name: "Stan Stranger", department: "Legal" });
    await expectRefused(() => agent.requests.submit(submitInput(c.low.id, { beneficiaryId: stranger.id })), "FORBIDDEN", /its owner/);
    await expectRefused(() => agent.requests.submit(submitInput(c.low.id, { beneficiaryId: c.employee.id, durationHours: 169 })), "FORBIDDEN", /at most 7 days/);
    await expectRefused(() => agent.requests.submit(submitInput(c.high.id, { beneficiaryId: c.employee.id, durationHours: 25 })), "FORBIDDEN", /at most 24 hours/);
    await expectRefused(() => agent.requests.submit(submitInput(c.low.id, { beneficiaryId: c.employee.id, emergency: true, incidentRef: "INC-1", durationHours: 2 })), "FORBIDDEN", /not by a machine requester/);
  });

  it("refuses a client without the scope (for itself, or on behalf), changing nothing", async () => {
    const plain = await registerAgent("Read-only pipeline", ["requests:read"]);
    const pipeline = callerAs(db.prisma, plain.id, c.clock.now);
    await expectRefused(() => pipeline.requests.submit(submitInput(c.low.id)), "FORBIDDEN", /requests:write/);
    await expectRefused(() => pipeline.requests.submit(submitInput(c.low.id, { beneficiaryId: c.employee.id })), "FORBIDDEN", /requests:on-behalf/);
  });

  it("refuses registering an API client for someone else, of a kind that is not a client, or past a year; nothing changes", async () => {
    await expectRefused(() => registerAgent("Not mine", ["requests:read"], { ownerId: c.peer.id }), "FORBIDDEN", /registered by its owner/);
    await expectRefused(() => registerAgent("OAuth thing", ["requests:read"], { kind: "OAUTH_APP" }), "BAD_REQUEST");
    await expectRefused(() => registerAgent("Forever", ["requests:read"], { credentialExpiresAt: new Date(c.clock.now().getTime() + 400 * DAY) }), "BAD_REQUEST", /at most 365 days/);
    // Without apiClient, creating a non-human identity stays an admin power.
    await expectRefused(() => c.as.employee.identities.createNhi({ kind: "AI_AGENT", displayName: "No scopes", ownerId: c.employee.id, purpose: "Files access requests for the data team" }), "FORBIDDEN");
  });

  it("a scope stops counting at its grant's expiry: the scopes query, and token issuance, see it at once", async () => {
    const short = await registerAgent("Short-lived job", ["catalog:read"], { credentialExpiresAt: new Date(c.clock.now().getTime() + 3 * DAY) });
    const req = short.scopeRequests[0]!;
    expect(await approveAll(req.requestId)).toBe("APPROVED");
    await provision();
    const grant = await db.prisma.grant.findFirstOrThrow({ where: { requestId: req.requestId } });
    // The request asked for no longer than the credential lives.
    expect(grant.expiresAt!.getTime()).toBeLessThanOrEqual(c.clock.now().getTime() + 3 * DAY);
    expect((await c.as.employee.apiClients.byId({ id: short.id })).scopes).toEqual(["catalog:read"]);
    const later = () => new Date(grant.expiresAt!.getTime() + 1000);
    expect(await heldScopes(db.prisma as never, short.id, later())).toEqual(new Set());
    const atExpiry = callerAs(db.prisma, c.employee.id, later);
    expect((await atExpiry.apiClients.byId({ id: short.id })).scopes).toEqual([]);
    await expectRefused(() => atExpiry.apiClients.issueToken({ identityId: short.id }), "BAD_REQUEST");
  });

  it("a scope request never outlasts the client's credential", async () => {
    const agent = await makeNhi(db.prisma, c.employee.id, { kind: "AI_AGENT", name: "cred-bound" });
    await db.prisma.identity.update({ where: { id: agent.id }, data: { credentialExpiresAt: new Date(c.clock.now().getTime() + 2 * DAY) } });
    await expectRefused(() => c.as.employee.requests.submit(submitInput(scopeIds.get("catalog:read")!, { beneficiaryId: agent.id, durationHours: 72 })), "BAD_REQUEST", /cannot outlast/);
  });
});

describe("the default policy for machine requesters", () => {
  let input: PolicyInput;
  beforeEach(() => {
    input = {
      requester: { id: "a", department: null, kind: "AI_AGENT", ownerId: "o" },
      beneficiary: { id: "o", kind: "HUMAN", ownerId: null, managerId: "m" },
      entitlement: { id: "e", name: "db-admin", systemId: "s", systemName: "Payments", risk: "HIGH", privileged: true, requestable: true, maxDurationDays: 30 },
      durationHours: 24,
      emergency: false,
      facts: { requesterIsBeneficiary: false, requesterOwnsBeneficiary: false, requesterIsManagerOfBeneficiary: false, requesterSharesDepartment: false, conflictingHeld: [], requesterIsMachine: true, requesterOwnerIsBeneficiary: true },
    };
  });
  const decide = async (i: PolicyInput) => evaluatePolicy(await currentPolicyVersion(db.prisma as never), i);

  it("caps agent requests lower than people's, and privileged ones at 24 hours", async () => {
    expect((await decide(input)).maxDurationHours).toBe(24);
    const person = { ...input, requester: { id: "o", department: null }, facts: { ...input.facts, requesterIsMachine: false, requesterIsBeneficiary: true } };
    expect((await decide(person)).maxDurationHours).toBe(720);
    expect((await decide({ ...input, entitlement: { ...input.entitlement, risk: "LOW", privileged: false } })).maxDurationHours).toBe(168);
  });

  it("always has a human stage for privileged access, never an automatic grant", async () => {
    const d = await decide(input);
    expect(d).toMatchObject({ allowed: true, autoApproved: false });
    expect(d.stages).toContain("OWNER");
    expect(d.determining).toContain("machine-privileged-owner");
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("API client tokens: races on PostgreSQL", () => {
  it("parallel issues give exactly one current token; parallel rotations of it give one successor", async () => {
    const created = await registerAgent("Race agent", ["catalog:read"]);
    expect(await approveAll(created.scopeRequests[0]!.requestId)).toBe("APPROVED");
    await provision();
    const extra = moreInstances(db.url!, 3);
    try {
      const instances = [db.prisma, ...extra.map((h) => h.prisma)];
      const issues = await race(instances, 6, (_i, as) => as(c.employee.id).apiClients.issueToken({ identityId: created.id }), c.clock.now);
      await expectCleanRace(db.prisma, issues);
      expectRefusedOnlyWith(issues, ["CONFLICT"]);
      expect(issues.ok).toBe(1);
      expect(await db.prisma.apiToken.count({ where: { identityId: created.id, scope: "api" } })).toBe(1);
      const first = (issues.results[0] as { tokenId: string }).tokenId;
      const rotations = await race(instances, 6, (_i, as) => as(c.employee.id).apiClients.rotateToken({ tokenId: first, overlapHours: 1 }), c.clock.now);
      await expectCleanRace(db.prisma, rotations);
      expectRefusedOnlyWith(rotations, ["CONFLICT"]);
      expect(rotations.ok).toBe(1);
      expect(await db.prisma.apiToken.count({ where: { identityId: created.id, scope: "api" } })).toBe(2);
    } finally {
      await Promise.all(extra.map((h) => h.close()));
    }
  });
});
