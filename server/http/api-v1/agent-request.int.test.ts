/**
 * Issue 12 end to end, over the real REST edge: an AI agent registered by its owner, whose scopes came through
 * access requests and approval, submits a request on behalf of a person with a ticket reference
 * (`POST /api/v1/requests`, Idempotency-Key), humans approve it through the policy's stages, and the ticketing
 * system follows it two ways: polling `GET /api/v1/requests/{id}`, and a signed webhook subscription to
 * `request.*` that receives the request's status changes with the ticket reference. The ledger holds the whole
 * chain: agent X, owned by Y, acting for Z, with the token it used.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { callApi } from "../../testing/api-clients";
import { processProvisioningTasks } from "../../jobs/provisioning";
import { deliverWebhooks } from "../../jobs/webhooks";
import { startReceiver } from "../../domain/webhooks/webhooks-test-kit";
import { approveAllStages, DAY, requestCast, submitInput, type RequestCast } from "../../domain/requests/request-test-kit";

let db: TestDb;
let c: RequestCast;
let rx: Awaited<ReturnType<typeof startReceiver>>;
let agentId: string;
let token: string;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
  // The agent's owner (employee) and the person it acts for (peer) share a department: the owner's standing.
  await db.prisma.identity.updateMany({ where: { id: { in: [c.employee.id, c.peer.id] } }, data: { department: "Data" } });

  // The ticketing system's subscription, from the ledger's head on: request events only.
  const sub = await c.as.admin.webhooks.create({ name: "Ticketing", url: "http://127.0.0.1:1/placeholder", eventTypes: ["request.*"], startAt: "head" });
  rx = await startReceiver(sub.secret!);
  await db.prisma.webhookSubscription.update({ where: { id: sub.id }, data: { url: rx.url } });

  // The owner registers the agent with its scope; the scope's request goes through policy and approval.
  const created = await c.as.employee.identities.createNhi({
    kind: "AI_AGENT",
    displayName: "Ticket triage agent",
    ownerId: c.employee.id,
    purpose: "Files the access requests asked for in service-desk tickets",
    credentialExpiresAt: new Date(c.clock.now().getTime() + 60 * DAY),
    apiClient: { scopes: ["requests:on-behalf", "requests:read"], justification: "Service-desk tickets become access requests", durationDays: 30 },
  });
  agentId = created.id;
  for (const r of created.scopeRequests) expect(await approveAllStages(db.prisma, c, r.requestId)).toBe("APPROVED");
  await processProvisioningTasks(db.prisma, c.clock.now(), "w-test", 50);
  token = (await c.as.employee.apiClients.issueToken({ identityId: agentId })).token;
});
afterAll(async () => {
  await rx?.close();
  await db?.close();
});

const api = (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => callApi(db.prisma, method, path, { token, now: c.clock.now(), ...opts });

describe(`an agent's request on behalf of a person, over /api/v1 (${TEST_ENGINE})`, () => {
  let requestId: string;

  it("is submitted once with its ticket reference, even when the call is retried", async () => {
    const body = { ...submitInput(c.medium.id, { beneficiaryId: c.peer.id, durationHours: 48 }), ticketRef: "SD-4711" };
    const headers = { "Idempotency-Key": "sd-4711-submit" };
    const first = await api("POST", "/requests", { body, headers });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ status: "PENDING" });
    requestId = first.body.id as string;
    const retried = await api("POST", "/requests", { body, headers });
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(requestId);
    expect(await db.prisma.accessRequest.count({ where: { requesterId: agentId } })).toBe(1);
  });

  it("carries the chain into the policy's stages and the ledger", async () => {
    const req = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId }, include: { steps: { orderBy: { stageOrder: "asc" } } } });
    expect(req).toMatchObject({ requesterId: agentId, beneficiaryId: c.peer.id, ticketRef: "SD-4711" });
    // A human approves, never the agent's owner.
    expect(req.steps.length).toBeGreaterThan(0);
    expect(req.steps.flatMap((s) => s.eligibleIds)).not.toContain(c.employee.id);
    const tokenRow = await db.prisma.apiToken.findFirstOrThrow({ where: { identityId: agentId, scope: "api", revokedAt: null } });
    const submitted = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "request.submitted", subjectId: requestId } });
    expect(submitted).toMatchObject({ actorId: agentId, onBehalfOfId: c.employee.id });
    expect(submitted.payload).toMatchObject({
      ticketRef: "SD-4711",
      requesterChain: { requesterId: agentId, requesterKind: "AI_AGENT", requesterOwnerId: c.employee.id, beneficiaryId: c.peer.id, onBehalfOfPerson: true },
      viaApiClient: { clientId: agentId, ownerId: c.employee.id, tokenPrefix: tokenRow.prefix },
    });
  });

  it("is approved by humans, and the ticketing system sees it by polling and through its webhook", async () => {
    expect(await approveAllStages(db.prisma, c, requestId)).toBe("APPROVED");
    const polled = await api("GET", `/requests/${requestId}`);
    expect(polled.status, polled.text).toBe(200);
    expect(polled.body).toMatchObject({ id: requestId, status: "APPROVED" });

    for (let i = 0; i < 10 && (await deliverWebhooks(db.prisma, c.clock.now(), "w-test")).processed > 0; i++);
    const delivered = rx.calls.filter((call) => call.signatureOk).flatMap((call) => (call.body as { events: { action: string; subject: { id: string }; payload: Record<string, unknown> }[] }).events);
    const mine = delivered.filter((e) => e.subject.id === requestId);
    expect(mine.map((e) => e.action)).toEqual(expect.arrayContaining(["request.submitted", "request.approved"]));
    expect(mine.find((e) => e.action === "request.submitted")!.payload).toMatchObject({ ticketRef: "SD-4711" });
    // Only what it subscribed to.
    expect(delivered.every((e) => e.action.startsWith("request."))).toBe(true);
  });
});
