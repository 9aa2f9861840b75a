/**
 * The contract of /api/v1: every operation of the registry driven over the real edge with real Requests, on
 * the authorization scene (server/testing/authorization-scene.ts), and EVERY answer (successes and problems)
 * validated against the OpenAPI document the API serves — turned back into validators with zod's
 * fromJSONSchema, never against the zod schemas the document was made from. Every operation must have been
 * answered with a success at least once. Problem details are checked for each kind of error.
 */
import { verifyFeedEvents } from "../../domain/events/verify";
import type { FeedCheckpoint, FeedEvent } from "../../domain/events/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { authorizationScene, type AuthorizationScene } from "../../testing/authorization-scene";
import { callApi, makeApiClient, type ApiAnswer, type TestApiClient } from "../../testing/api-clients";
import { answeredStatuses, openApiStructureProblems, type OpenApiDoc } from "../../testing/api-contract";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { JUSTIFICATION } from "../../domain/requests/request-test-kit";
import { OPERATIONS } from "./operations";
import { encodeSeekCursor, queryFingerprint } from "./cursor";

let db: TestDb;
let s: AuthorizationScene;
let doc: OpenApiDoc;
const clients = {} as Record<"owner" | "manager" | "auditor", TestApiClient>;

beforeAll(async () => {
  db = await createTestDb();
  s = await authorizationScene(db.prisma);
  const now = s.clock.now();
  clients.owner = await makeApiClient(db.prisma, s.people.owner.id, ["catalog:read", "identities:read", "requests:read", "requests:write", "campaigns:decide"], { now, name: "release-pipeline" });
  clients.manager = await makeApiClient(db.prisma, s.people.manager.id, ["approvals:decide"], { now, name: "approvals-bot" });
  clients.auditor = await makeApiClient(db.prisma, s.people.auditor.id, ["grants:read", "findings:read", "events:read", "evidence:export"], { now, name: "grc-collector" });
  const res = await callApi(db.prisma, "GET", "/openapi.json", { token: null });
  expect(res.status).toBe(200);
  doc = res.body as unknown as OpenApiDoc;
}, 120_000);
afterAll(async () => {
  await db.close();
});

type Who = keyof typeof clients;
async function api(who: Who | null, method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string } = {}): Promise<ApiAnswer> {
  // callApi checks the answer against the served document (server/testing/api-contract.ts).
  const res = await callApi(db.prisma, method, path, { token: opts.token ?? (who ? clients[who].token : null), body: opts.body, raw: opts.raw, headers: opts.headers, now: s.clock.now() });
  expect(res.text).not.toMatch(/prisma|SELECT |\bat .*\.ts:\d/i);
  return res;
}
const items = (r: ApiAnswer) => r.body.items as Record<string, unknown>[];

describe("/api/v1 serves its OpenAPI 3.1 document", () => {
  it("describes every operation with its scope, bearer security, problem details, cursors and Idempotency-Key", () => {
    expect(doc).toMatchObject({ openapi: "3.1.0", components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } } });
    for (const op of OPERATIONS) {
      const o = doc.paths[op.path]?.[op.method.toLowerCase()] as unknown as Record<string, unknown>;
      expect(o, op.id).toBeDefined();
      expect(o["x-warrant-scope"]).toBe(op.scope);
      expect(String(o.description)).toContain(op.scope);
      const params = JSON.stringify(o.parameters);
      if (op.list) expect(params).toContain("#/components/parameters/Cursor");
      // Every list says how its cursor behaves when rows come and go during a walk.
      if (op.list) expect(String(o.description), op.id).toMatch(/Paging: .*(repeated or skipped|never repeats or skips)/);
      if (op.method === "POST") expect(params).toContain("#/components/parameters/IdempotencyKey");
      expect(JSON.stringify((o.responses as Record<string, unknown>)["403"])).toContain("#/components/schemas/Problem");
    }
  });
});

describe("the document itself is OpenAPI 3.1 as far as can be checked here", () => {
  it("every $ref resolves, every operationId is unique, every path parameter is declared, every schema compiles", () => {
    expect(openApiStructureProblems(doc)).toEqual([]);
  });

  it("the structure check finds what it is for: a dangling $ref, a repeated operationId, an undeclared path parameter", () => {
    const broken = JSON.parse(JSON.stringify(doc)) as OpenApiDoc;
    const list = broken.paths["/catalog/systems"]!.get!;
    const one = broken.paths["/catalog/systems/{id}"]!.get!;
    one.operationId = list.operationId;
    one.parameters = [];
    (list.responses["403"] as Record<string, unknown>).content = { "application/problem+json": { schema: { $ref: "#/components/schemas/Nope" } } };
    const found = openApiStructureProblems(broken).join("\n");
    expect(found).toContain("$ref #/components/schemas/Nope does not resolve");
    expect(found).toContain(`operationId ${list.operationId} is also`);
    expect(found).toContain("path parameter {id} is not declared");
  });

  it("answers are described tightly enough that a drifted answer fails: a request without machineRequester, a numeric ticketRef, a lineage without its proofs", async () => {
    const { z } = await import("zod");
    const { resolveRefs } = await import("../../testing/api-contract");
    const schemaOf = (path: string) => z.fromJSONSchema(resolveRefs(doc, doc.paths[path]!.get!.responses["200"]!.content!["application/json"]!.schema) as never);
    const request = schemaOf("/requests/{id}");
    const lineage = schemaOf("/grants/{grantId}");
    const submitted = await api("owner", "POST", "/requests", { body: { entitlementId: s.ent.reports.id, justification: JUSTIFICATION, durationHours: 24, ticketRef: "OPS-77" } });
    expect(submitted.status, submitted.text).toBe(201);
    const real = (await api("owner", "GET", `/requests/${submitted.body.id as string}`)).body;
    expect(real).toMatchObject({ ticketRef: "OPS-77", machineRequester: { id: clients.owner.clientId, owner: { id: s.people.owner.id } } });
    expect(request.safeParse(real).success).toBe(true);
    const { machineRequester: _m, ...withoutMachine } = real;
    void _m;
    expect(request.safeParse(withoutMachine).success).toBe(false);
    expect(request.safeParse({ ...real, ticketRef: 123 }).success).toBe(false);
    expect(request.safeParse({ ...real, stages: [{ id: "x" }] }).success).toBe(false);
    const grant = (await api("auditor", "GET", `/grants/${s.grants.approved.id}`)).body;
    expect(lineage.safeParse(grant).success).toBe(true);
    expect(lineage.safeParse({ ...grant, summary: { links: 1 } }).success).toBe(false);
    expect(lineage.safeParse({ ...grant, approvals: [{ stepId: "x" }] }).success).toBe(false);
  });
});

describe("every operation, answered as the document says", () => {
  it("catalog: systems and entitlements, paged with cursors", async () => {
    const first = await api("owner", "GET", "/catalog/systems?cursor=&limit=5");
    expect(first.status).toBe(200);
    expect(items(first).map((x) => x.name)).toContain("Payments Ledger");
    const sys = await api("owner", "GET", `/catalog/systems/${s.system.id}`);
    expect(sys.status).toBe(200);
    expect(sys.body.name).toBe("Payments Ledger");

    // Paging: every entitlement once, in pages of 5, then nextCursor null.
    const seen: string[] = [];
    let path = `/catalog/entitlements?systemId=${s.system.id}&limit=5`;
    for (let i = 0; i < 10; i++) {
      const page = await api("owner", "GET", path);
      expect(page.status).toBe(200);
      seen.push(...items(page).map((x) => String(x.id)));
      if (!page.body.nextCursor) break;
      path = `/catalog/entitlements?systemId=${s.system.id}&cursor=${page.body.nextCursor as string}`;
    }
    const all = await db.prisma.entitlement.count({ where: { systemId: s.system.id } });
    expect(seen.length).toBe(all);
    expect(new Set(seen).size).toBe(all);
    expect(all).toBeGreaterThan(5);

    const ent = await api("owner", "GET", `/catalog/entitlements/${s.ent.reports.id}`);
    expect(ent.status).toBe(200);
    expect(ent.body.id).toBe(s.ent.reports.id);
  });

  it("identities: list and get", async () => {
    const list = await api("owner", "GET", "/identities?kind=HUMAN&limit=100");
    expect(list.status).toBe(200);
    expect(items(list).map((x) => x.displayName)).toContain("Priya Employee");
    const one = await api("owner", "GET", `/identities/${s.people.employee.id}`);
    expect(one.status).toBe(200);
  });

  it("requests: the client submits for itself, reads the status, lists its own, cancels", async () => {
    const submitted = await api("owner", "POST", "/requests", { body: { entitlementId: s.ent.dashboards.id, justification: JUSTIFICATION, durationHours: 24 } });
    expect(submitted.status, submitted.text).toBe(201);
    const id = String(submitted.body.id);
    const request = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id } });
    // The client is the requester and the beneficiary: the machine requester, not its owner. (What the policy
    // decides for machine requesters is docs/lifecycle.md's "Machine requesters", held by the policy's own tests
    // and followed through approval in agent-request.int.test.ts; this test is about the contract, so any
    // decision the document allows will do.)
    expect(request.requesterId).toBe(clients.owner.clientId);
    expect(request.beneficiaryId).toBe(clients.owner.clientId);
    expect(["PENDING", "DENIED", "APPROVED"]).toContain(submitted.body.status);

    const status = await api("owner", "GET", `/requests/${id}`);
    expect(status.status).toBe(200);
    expect(status.body.id).toBe(id);
    const mine = await api("owner", "GET", "/requests");
    expect(items(mine).map((x) => x.id)).toContain(id);

    // A pending request of the client's (the scene's, handed to the client: it was made by a person).
    await db.prisma.accessRequest.update({ where: { id: s.requests.toCancel.id }, data: { requesterId: clients.owner.clientId } });
    const cancelled = await api("owner", "POST", `/requests/${s.requests.toCancel.id}/cancel`, { body: { expectedRevision: 1 } });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    const ev = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: s.requests.toCancel.id }, orderBy: { seq: "desc" } });
    expect(ev.actorId).toBe(clients.owner.clientId);
    // Cancelling again: the state moved on, 409, in the documented shape.
    const again = await api("owner", "POST", `/requests/${s.requests.toCancel.id}/cancel`, { body: { expectedRevision: 1 } });
    expect(again.status).toBe(409);
  });

  it("approvals: the manager's inbox, and a decision as the manager", async () => {
    const inbox = await api("manager", "GET", "/approvals");
    expect(inbox.status).toBe(200);
    const row = items(inbox).find((x) => x.requestId === s.requests.pending.id);
    expect(row).toBeDefined();
    const decided = await api("manager", "POST", "/approvals/decisions", {
      body: { requestId: s.requests.pending.id, stepId: row!.stepId, decision: "APPROVE", expectedRevision: row!.revision, reason: "Statement exports for the audit" },
    });
    expect(decided.status, decided.text).toBe(200);
    const step = await db.prisma.approvalStep.findUniqueOrThrow({ where: { id: String(row!.stepId) } });
    expect(step.status).toBe("APPROVED");
    expect(step.decidedById).toBe(s.people.manager.id);
  });

  it("campaigns: list, status, the owner's items, a decision", async () => {
    const list = await api("owner", "GET", "/campaigns");
    expect(list.status).toBe(200);
    expect(items(list).map((x) => x.id)).toContain(s.campaigns.active.id);
    const one = await api("owner", "GET", `/campaigns/${s.campaigns.active.id}`);
    expect(one.status).toBe(200);
    const mine = await api("owner", "GET", `/review-items?campaignId=${s.campaigns.active.id}&limit=100`);
    expect(mine.status).toBe(200);
    const item = items(mine).find((x) => x.id === s.items.toDecide.id)!;
    expect(item).toBeDefined();
    const decided = await api("owner", "POST", `/review-items/${item.id as string}/decision`, { body: { expectedVersion: item.version, decision: "KEEP", comment: "Still needed for settlements" } });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body.decision).toBe("KEEP");
  });

  it("grants, findings and the ledger: read by an auditor's client", async () => {
    const grants = await api("auditor", "GET", "/grants?limit=5");
    expect(grants.status).toBe(200);
    expect(items(grants).length).toBe(5);
    const lineage = await api("auditor", "GET", `/grants/${s.grants.approved.id}`);
    expect(lineage.status).toBe(200);
    const findings = await api("auditor", "GET", "/findings");
    expect(findings.status).toBe(200);
    expect(items(findings).length).toBeGreaterThan(0);

    // The ledger, oldest first, page by page: seqs strictly increasing across pages, nothing repeated.
    const seqs: number[] = [];
    let path = "/ledger/events?limit=10";
    for (let i = 0; i < 4; i++) {
      const page = await api("auditor", "GET", path);
      expect(page.status).toBe(200);
      seqs.push(...items(page).map((e) => Number(e.seq)));
      if (!page.body.nextCursor) break;
      path = `/ledger/events?cursor=${page.body.nextCursor as string}`;
    }
    expect(seqs.length).toBe(40);
    expect(new Set(seqs).size).toBe(40);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(Math.min(...seqs));

    // The feed: from the start, page by page with `next`; the consumer verifies the chain it received.
    const events: FeedEvent[] = [];
    let after = "0";
    let head = "";
    for (let more = true; more; ) {
      const page = await api("auditor", "GET", `/events?after=${after}&limit=25`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.format).toBe("warrant");
      events.push(...(page.body.events as FeedEvent[]));
      after = page.body.next as string;
      head = page.body.head as string;
      more = page.body.hasMore === true;
    }
    expect(Number(head)).toBeGreaterThan(25);
    expect(events.map((e) => Number(e.seq))).toEqual(Array.from({ length: Number(head) }, (_, k) => k + 1));
    expect(verifyFeedEvents(events).problems).toEqual([]);
    // A types filter (comma-separated families and actions) and the OCSF form.
    const only = await api("auditor", "GET", "/events?after=0&limit=50&types=request.*,grant.revoked");
    expect(only.status, only.text).toBe(200);
    expect((only.body.events as FeedEvent[]).every((e) => e.action.startsWith("request.") || e.action === "grant.revoked")).toBe(true);
    expect((only.body.events as FeedEvent[]).length).toBeGreaterThan(0);
    const ocsf = await api("auditor", "GET", "/events?after=0&limit=5&format=ocsf");
    expect(ocsf.status, ocsf.text).toBe(200);
    expect(ocsf.body.format).toBe("ocsf");
    // A bad type is a 400 naming the field, not a 500.
    const bad = await api("auditor", "GET", "/events?types=grant.*,DROP%20TABLE");
    expect(bad.status, bad.text).toBe(400);
  });

  it("events export: a seq range as JSON Lines, verifiable on its own", async () => {
    const res = await api("auditor", "GET", "/events/export?from=3&to=20");
    expect(res.status, res.text).toBe(200);
    expect(res.contentType).toContain("application/x-ndjson");
    expect(res.headers.get("content-disposition")).toContain("warrant-events-3-20.jsonl");
    const lines = res.lines!;
    expect(lines[0]).toMatchObject({ type: "range", from: "3", to: "20" });
    const events = lines.filter((l) => l.type === "event").map(({ type: _t, ...e }) => e as unknown as FeedEvent);
    expect(events.map((e) => Number(e.seq))).toEqual(Array.from({ length: 18 }, (_, k) => k + 3));
    // The range line's prevHash is where verification starts: the chain checks from there.
    expect(events[0]!.prevHash).toBe(lines[0]!.prevHash);
    const checkpoints = lines.filter((l) => l.type === "checkpoint").map(({ type: _t, ...c }) => c as unknown as FeedCheckpoint);
    expect(verifyFeedEvents(events, String(lines[0]!.prevHash), checkpoints).problems).toEqual([]);
    // Without `to`: up to the head (the range line says where it ended).
    const all = await api("auditor", "GET", "/events/export?from=1");
    expect(all.status).toBe(200);
    const head = String((await db.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    expect(all.lines![0]).toMatchObject({ from: "1", to: head, head });
    expect(all.lines!.filter((l) => l.type === "event").length).toBe(Number(head));
  });

  it("events export: refused without events:read, and for bad ranges with 400 naming the parameter — nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const scope = await api("owner", "GET", "/events/export?from=1&to=2");
    expect(scope.status).toBe(403);
    expect(scope.body.requiredScope).toBe("events:read");
    const head = Number((await db.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    const bad: [string, string][] = [
      [`to=${head + 1}`, "to"],
      [`from=${head + 1}`, "from"],
      ["from=10&to=5", "to"],
      ["from=0", "from"],
      ["from=1&to=99999999999999999999999", "to"],
      ["from=1&to=1e6", "to"],
      ["from=-1", "from"],
      ["from=abc", "from"],
      ["from=1&from=2", "from"],
      ["from=1&limit=5", "limit"],
      ["from=1&cursor=x", "cursor"],
      ["from=1&evil=1", ""],
    ];
    for (const [query, field] of bad) {
      const r = await api("auditor", "GET", `/events/export?${query}`);
      expect(r.status, `${query}: ${r.text}`).toBe(400);
      expect(r.body.type).toBe("https://warrant.dev/problems/bad-input");
      if (field) expect(Object.keys(r.body.errors as object), query).toContain(field);
    }
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "refused exports");
  });

  it("a client that hangs up ends a long-poll at once: the server-side wait stops", async () => {
    const head = String((await db.prisma.ledgerHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    // Every read of the ledger head is counted: the feed reads it once, then its waiter polls it while waiting.
    let headReads = 0;
    let waiting!: () => void;
    const polling = new Promise<void>((resolve) => (waiting = resolve));
    const observed = db.prisma.$extends({
      query: {
        ledgerHead: {
          async findUnique({ args, query }) {
            const out = await query(args);
            if (++headReads === 2) waiting();
            return out;
          },
        },
      },
    }) as unknown as typeof db.prisma;
    const hangUp = new AbortController();
    const started = Date.now();
    const answer = callApi(observed, "GET", `/events?after=${head}&wait=30`, { token: clients.auditor.token, now: s.clock.now(), signal: hangUp.signal });
    await polling; // nothing after the head: the waiter is polling it
    const readsAtHangUp = headReads;
    hangUp.abort();
    const res = await answer;
    // The procedure returned (the answer exists) long before its 30 s, and the waiter polled at most once more.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(headReads).toBeLessThanOrEqual(readsAtHangUp + 1);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ events: [], next: head, hasMore: false });
  }, 20_000);

  it("evidence: start an export, read its status with the download link, download a finished pack", async () => {
    const started = await api("auditor", "POST", "/evidence-exports", { body: { from: "2026-01-01", to: "2026-01-31" } });
    expect(started.status, started.text).toBe(202);
    const status = await api("auditor", "GET", `/evidence-exports/${started.body.id as string}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: "QUEUED", downloadUrl: null });
    const done = await api("auditor", "GET", `/evidence-exports/${s.evidenceExport.id}`);
    expect(done.body.downloadUrl).toBe(`/api/v1/evidence-exports/${s.evidenceExport.id}/download`);
    const zip = await api("auditor", "GET", `/evidence-exports/${s.evidenceExport.id}/download`);
    expect(zip.status).toBe(200);
    expect(zip.contentType).toBe("application/zip");
    expect(zip.headers.get("x-evidence-sha256")).toBe("ab".repeat(32));
  });
});

describe("problem details (RFC 9457) for each kind of error", () => {
  const shape = (r: ApiAnswer, status: number, kind: string) => {
    expect(r.status, r.text).toBe(status);
    expect(r.contentType).toBe("application/problem+json");
    expect(r.body).toMatchObject({ type: `https://warrant.dev/problems/${kind}`, status, instance: expect.stringMatching(/^\/api\/v1\//) });
    expect(typeof r.body.title).toBe("string");
    expect(typeof r.body.detail).toBe("string");
  };

  it("400 bad input names each field; 400 unparsable JSON; 415 not JSON — nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const bad = await api("owner", "POST", "/requests", { body: { entitlementId: "nope", justification: "x", durationHours: -1, extra: 1 } });
    shape(bad, 400, "bad-input");
    expect(Object.keys(bad.body.errors as object)).toEqual(expect.arrayContaining(["entitlementId", "justification", "durationHours"]));
    shape(await api("owner", "POST", "/requests", { raw: "{not json" }), 400, "invalid-json");
    shape(await api("owner", "POST", "/requests", { raw: "[1,2]" }), 400, "bad-input");
    shape(await api("owner", "POST", "/requests", { raw: "a=b", headers: { "Content-Type": "application/x-www-form-urlencoded" } }), 415, "unsupported-media-type");
    shape(await api("owner", "GET", "/catalog/systems?page=2"), 400, "bad-input");
    shape(await api("owner", "GET", "/catalog/systems?limit=1000"), 400, "bad-input");
    shape(await api("owner", "GET", "/catalog/systems?cursor=garbage!"), 400, "bad-input");
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: (await dbFingerprint(db.prisma)).RateLimitCounter, ApiToken: (await dbFingerprint(db.prisma)).ApiToken }, "refused input");
  });

  it("a cursor of one query is refused for another", async () => {
    const first = await api("owner", "GET", `/catalog/entitlements?systemId=${s.system.id}&limit=5`);
    const other = await api("owner", "GET", `/catalog/entitlements?risk=HIGH&cursor=${first.body.nextCursor as string}`);
    shape(other, 400, "bad-input");
    expect(other.body.errors).toHaveProperty("cursor");
  });

  it("401 without a valid token, with WWW-Authenticate", async () => {
    const none = await api(null, "GET", "/catalog/systems");
    shape(none, 401, "unauthenticated");
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    shape(await api(null, "GET", "/catalog/systems", { token: "wrt_not-a-real-token" }), 401, "unauthenticated");
  });

  it("403 naming the missing scope; 403 when the owner may not", async () => {
    const r = await api("manager", "GET", "/catalog/systems");
    shape(r, 403, "missing-scope");
    expect(r.body.requiredScope).toBe("catalog:read");
    expect(String(r.body.detail)).toContain("catalog:read");
    const onBehalf = await api("owner", "POST", "/requests", { body: { entitlementId: s.ent.dashboards.id, beneficiaryId: s.people.employee.id, justification: JUSTIFICATION, durationHours: 24 } });
    shape(onBehalf, 403, "missing-scope");
    expect(onBehalf.body.requiredScope).toBe("requests:on-behalf");
  });

  it("404 unknown path or object; 405 wrong method with Allow", async () => {
    shape(await api("owner", "GET", "/nothing-here"), 404, "not-found");
    shape(await api("owner", "GET", `/requests/${s.requests.pending.id}`), 404, "not-found");
    const wrong = await callApi(db.prisma, "DELETE", "/catalog/systems", { token: clients.owner.token, now: s.clock.now() });
    expect(wrong.status).toBe(405);
    expect(wrong.body).toMatchObject({ type: "https://warrant.dev/problems/method-not-allowed", status: 405 });
    expect(wrong.headers.get("allow")).toBe("GET");
  });

  it("409 on a stale revision, nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const r = await api("manager", "POST", "/approvals/decisions", { body: { requestId: s.requests.pending.id, stepId: s.requests.pending.stepId, decision: "APPROVE", expectedRevision: 99, reason: "stale" } });
    expect([404, 409]).toContain(r.status);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: (await dbFingerprint(db.prisma)).RateLimitCounter, ApiToken: (await dbFingerprint(db.prisma)).ApiToken }, "a stale decision");
  });

  it("413 over the body cap, before reading it", async () => {
    const big = "x".repeat(1024 * 1024 + 10);
    shape(await api("owner", "POST", "/requests", { raw: JSON.stringify({ justification: big }) }), 413, "body-too-large");
  });
});

describe("GET /grants pages with keyset cursors (the default order seeks; other orders page by number)", () => {
  /** Every item of a list, following nextCursor to the end; the cursors handed out, too. */
  async function follow(first: string): Promise<{ ids: string[]; cursors: string[] }> {
    const ids: string[] = [];
    const cursors: string[] = [];
    let path = first;
    for (let i = 0; i < 200; i++) {
      const page = await api("auditor", "GET", path);
      expect(page.status, page.text).toBe(200);
      ids.push(...items(page).map((x) => String(x.id)));
      const next = page.body.nextCursor as string | null;
      if (!next) return { ids, cursors };
      cursors.push(next);
      path = `${first.split("?")[0]}?${new URLSearchParams([...new URLSearchParams(first.split("?")[1] ?? "")].filter(([k]) => k !== "cursor").concat([["cursor", next]])).toString()}`;
    }
    throw new Error("did not reach the last page");
  }
  const kind = (cursor: string) => (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { v: number }).v;

  beforeAll(async () => {
    // 60 more grants on three start times only, 20 sharing each to the millisecond.
    const base = Date.UTC(2026, 0, 15, 8, 0, 0, 250);
    await db.prisma.grant.createMany({
      data: Array.from({ length: 60 }, (_, k) => ({
        identityId: [s.people.employee.id, s.people.manager.id, s.people.owner.id][k % 3]!,
        entitlementId: s.ent.reports.id,
        status: k % 4 === 0 ? ("REVOKED" as const) : ("ACTIVE" as const),
        origin: "IMPORTED" as const,
        startsAt: new Date(base + (k % 3) * 1000),
      })),
    });
  });

  it("returns every grant exactly once, in order (start, then id), with many sharing a start", async () => {
    const all = await db.prisma.grant.findMany({ orderBy: [{ startsAt: "desc" }, { id: "desc" }], select: { id: true } });
    const { ids, cursors } = await follow("/grants?limit=7");
    expect(ids).toEqual(all.map((g) => g.id));
    expect(all.length).toBeGreaterThan(60);
    expect(cursors.every((c) => kind(c) === 2)).toBe(true);
    const active = await db.prisma.grant.findMany({ where: { status: "ACTIVE" }, orderBy: [{ startsAt: "asc" }, { id: "asc" }], select: { id: true } });
    expect((await follow("/grants?status=ACTIVE&dir=asc&limit=5")).ids).toEqual(active.map((g) => g.id));
  });

  it("a grant started meanwhile does not shift the pages of a walk in progress", async () => {
    const all = await db.prisma.grant.findMany({ orderBy: [{ startsAt: "desc" }, { id: "desc" }], select: { id: true, startsAt: true } });
    const first = await api("auditor", "GET", "/grants?limit=10");
    const seen = items(first).map((x) => String(x.id));
    // Newer than every grant: with page numbers it would push one row of page 1 onto page 2 (a repeat).
    await db.prisma.grant.create({ data: { identityId: s.people.employee.id, entitlementId: s.ent.reports.id, status: "ACTIVE", origin: "IMPORTED", startsAt: new Date(all[0]!.startsAt.getTime() + 86_400_000) } });
    const second = await api("auditor", "GET", `/grants?cursor=${first.body.nextCursor as string}&limit=10`);
    expect([...seen, ...items(second).map((x) => String(x.id))]).toEqual(all.slice(0, 20).map((g) => g.id));
  });

  it("orders that cannot seek page by number, still every grant once", async () => {
    const all = await db.prisma.grant.findMany({ include: { identity: { select: { displayName: true } } } });
    const { ids, cursors } = await follow("/grants?sort=holder&dir=asc&limit=9");
    expect(ids.slice().sort()).toEqual(all.map((g) => g.id).sort());
    expect(new Set(ids).size).toBe(all.length);
    expect(cursors.every((c) => kind(c) === 1)).toBe(true);
  });

  it("refuses a forged cursor, a cursor of another query or list, a bad date, and `after` in the query: 400 naming cursor, nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const first = await api("auditor", "GET", "/grants?limit=5");
    const real = first.body.nextCursor as string;
    const { k, i } = JSON.parse(Buffer.from(real, "base64url").toString("utf8")) as { k: string; i: string };
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const fp = queryFingerprint({});
    const bad: [string, string][] = [
      ["a bad date", `/grants?cursor=${forge({ v: 2, k: "2026-02-30T08:00:00.250Z", i, l: 5, q: fp })}`],
      ["a date without milliseconds", `/grants?cursor=${forge({ v: 2, k: "2026-01-15T08:00:00Z", i, l: 5, q: fp })}`],
      ["not a date", `/grants?cursor=${forge({ v: 2, k: "yesterday", i, l: 5, q: fp })}`],
      ["an id that is no UUID", `/grants?cursor=${forge({ v: 2, k, i: "1 OR 1=1", l: 5, q: fp })}`],
      ["an unknown version", `/grants?cursor=${forge({ v: 3, k, i, l: 5, q: fp })}`],
      ["a limit out of range", `/grants?cursor=${forge({ v: 2, k, i, l: 1000, q: fp })}`],
      ["another query's cursor", `/grants?status=ACTIVE&cursor=${real}`],
      ["a keyset cursor for an order that cannot seek", `/grants?sort=holder&cursor=${encodeSeekCursor({ key: k, id: i }, 5, queryFingerprint({ sort: "holder" }))}`],
      ["a keyset cursor on a list that does not seek", `/ledger/events?cursor=${real}`],
    ];
    for (const [label, path] of bad) {
      const r = await api("auditor", "GET", path);
      expect(r.status, `${label}: ${r.text}`).toBe(400);
      expect(r.body.errors, label).toHaveProperty("cursor");
    }
    const direct = await api("auditor", "GET", `/grants?after=${encodeURIComponent(JSON.stringify({ key: k, id: i }))}`);
    expect(direct.status).toBe(400);
    expect(direct.body.errors).toHaveProperty("after");
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "refused cursors");
  });
});

describe("GET /requests pages with keyset cursors too (a ticketing system's walk)", () => {
  const mine = () => ({ OR: [{ requesterId: clients.owner.clientId }, { beneficiaryId: clients.owner.clientId }, { beneficiary: { ownerId: clients.owner.clientId } }] });
  async function walk(first: string): Promise<{ ids: string[]; kinds: number[] }> {
    const ids: string[] = [];
    const kinds: number[] = [];
    let path = first;
    for (let i = 0; i < 100; i++) {
      const page = await api("owner", "GET", path);
      expect(page.status, page.text).toBe(200);
      ids.push(...items(page).map((x) => String(x.id)));
      const next = page.body.nextCursor as string | null;
      if (!next) return { ids, kinds };
      kinds.push((JSON.parse(Buffer.from(next, "base64url").toString("utf8")) as { v: number }).v);
      path = `${first}${first.includes("?") ? "&" : "?"}cursor=${next}`;
    }
    throw new Error("did not reach the last page");
  }

  beforeAll(async () => {
    // 30 more requests of the client on three creation times only, 10 sharing each to the millisecond.
    const tpl = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: s.requests.pending.id } });
    const base = Date.UTC(2026, 1, 3, 10, 0, 0, 125);
    await db.prisma.accessRequest.createMany({
      data: Array.from({ length: 30 }, (_, k) => ({
        requesterId: clients.owner.clientId,
        beneficiaryId: clients.owner.clientId,
        entitlementId: tpl.entitlementId,
        justification: tpl.justification,
        durationHours: tpl.durationHours,
        // Not PENDING: one pending request per beneficiary and entitlement (a partial unique index).
        status: k % 3 === 0 ? ("DENIED" as const) : ("CANCELLED" as const),
        contentHash: tpl.contentHash,
        policyVersionId: tpl.policyVersionId,
        policyHash: tpl.policyHash,
        policyDecision: tpl.policyDecision as object,
        inputHash: tpl.inputHash,
        deadlineAt: tpl.deadlineAt,
        createdAt: new Date(base + (k % 3) * 1000),
      })),
    });
  });

  it("returns every request exactly once, in order (creation, then id), with many created in the same millisecond", async () => {
    const all = await db.prisma.accessRequest.findMany({ where: mine(), orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    expect(all.length).toBeGreaterThan(30);
    const { ids, kinds } = await walk("/requests?limit=7");
    expect(ids).toEqual(all.map((r) => r.id));
    expect(kinds.every((k) => k === 2)).toBe(true);
    const denied = await db.prisma.accessRequest.findMany({ where: { AND: [mine(), { status: "DENIED" }] }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true } });
    expect(denied.length).toBeGreaterThanOrEqual(10);
    expect((await walk("/requests?status=DENIED&dir=asc&limit=5")).ids).toEqual(denied.map((r) => r.id));
  });

  it("a request submitted during the walk neither repeats nor skips a row", async () => {
    const all = await db.prisma.accessRequest.findMany({ where: mine(), orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    const first = await api("owner", "GET", "/requests?limit=5");
    // A new request (newest of all): with page numbers it would push a row of page 1 onto page 2, a repeat.
    const submitted = await api("owner", "POST", "/requests", { body: { entitlementId: s.ent.fees.id, justification: JUSTIFICATION, durationHours: 24 } });
    expect(submitted.status, submitted.text).toBe(201);
    const second = await api("owner", "GET", `/requests?limit=5&cursor=${first.body.nextCursor as string}`);
    expect([...items(first), ...items(second)].map((x) => String(x.id))).toEqual(all.slice(0, 10).map((r) => r.id));
  });

  it("other orders page by number; a forged position or a keyset cursor in another order is 400 naming cursor, nothing changed", async () => {
    const byStatus = await walk("/requests?sort=status&limit=9");
    expect(new Set(byStatus.ids).size).toBe(byStatus.ids.length);
    expect(byStatus.ids.length).toBe(await db.prisma.accessRequest.count({ where: mine() }));
    expect(byStatus.kinds.every((k) => k === 1)).toBe(true);

    const before = await dbFingerprint(db.prisma);
    const real = (await api("owner", "GET", "/requests?limit=5")).body.nextCursor as string;
    const { i } = JSON.parse(Buffer.from(real, "base64url").toString("utf8")) as { i: string };
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    for (const [label, path] of [
      ["a date without milliseconds", `/requests?cursor=${forge({ v: 2, k: "2026-02-03T10:00:00Z", i, l: 5, q: queryFingerprint({}) })}`],
      ["not a date", `/requests?cursor=${forge({ v: 2, k: "now()", i, l: 5, q: queryFingerprint({}) })}`],
      ["a keyset cursor for an order that cannot seek", `/requests?sort=status&cursor=${encodeSeekCursor({ key: "2026-02-03T10:00:00.125Z", id: i }, 5, queryFingerprint({ sort: "status" }))}`],
    ] as const) {
      const r = await api("owner", "GET", path);
      expect(r.status, `${label}: ${r.text}`).toBe(400);
      expect(r.body.errors, label).toHaveProperty("cursor");
    }
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "refused request cursors");
  });
});

describe("the directory, the approver inbox, findings and review items page with keyset cursors too", () => {
  /** Every item of a list, following nextCursor to the end, with a hook after the first page; the cursor kinds handed out. */
  async function walk(who: Who, first: string, key: string, afterFirstPage?: () => Promise<unknown>): Promise<{ ids: string[]; kinds: number[] }> {
    const ids: string[] = [];
    const kinds: number[] = [];
    let path = first;
    for (let i = 0; i < 200; i++) {
      const page = await api(who, "GET", path);
      expect(page.status, page.text).toBe(200);
      ids.push(...items(page).map((x) => String(x[key])));
      if (i === 0) await afterFirstPage?.();
      const next = page.body.nextCursor as string | null;
      if (!next) return { ids, kinds };
      kinds.push((JSON.parse(Buffer.from(next, "base64url").toString("utf8")) as { v: number }).v);
      path = `${first}${first.includes("?") ? "&" : "?"}cursor=${next}`;
    }
    throw new Error("did not reach the last page");
  }
  const at = (k: number) => new Date(Date.UTC(2026, 2, 4, 9, 0, 0, 375) + (k % 3) * 1000);
  // Names longer than a cursor carries (keyText: 100 characters), the same for their first 100: the directory
  // must take the rest from the row.
  const LONG = `Zed ${"long-name ".repeat(12)}`;
  let people: { id: string; displayName: string }[] = [];

  beforeAll(async () => {
    // 36 people created in the same three milliseconds: 10 on each of three names (ties broken by id), and
    // 6 whose names differ only after their first 100 characters.
    const names = Array.from({ length: 36 }, (_, k) => (k < 30 ? ["Keyset Ann", "keyset ann", "Keyset Bob"][k % 3]! : `${LONG}${k % 2 ? "b" : "a"}`));
    people = await db.prisma.identity.createManyAndReturn({
      data: names.map((displayName, k) => ({ kind: "HUMAN" as const, status: "ACTIVE" as const, displayName, email: `keyset.${k}@example.test`, department: "Keyset", createdAt: at(k) })),
      select: { id: true, displayName: true },
    });
  });

  it("the directory: every identity once, in name order (then id), with names shared and cut; one created during the walk shifts nothing", async () => {
    const ordered = async (dir: "ASC" | "DESC") =>
      (await db.prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT "id"::text AS "id" FROM "Identity" WHERE "department" = 'Keyset' ORDER BY lower("displayName") ${dir}, "displayName" ${dir}, "id" ${dir}`)).map((r) => r.id);
    const expected = await ordered("ASC");
    expect(expected).toHaveLength(36);
    // A name that sorts first: with page numbers it would push a row of page 1 onto page 2 (a repeat).
    const insert = () => db.prisma.identity.create({ data: { kind: "HUMAN", status: "ACTIVE", displayName: "Keyset Aaron", email: "keyset.late@example.test", department: "Keyset", createdAt: at(0) } });
    const { ids, kinds } = await walk("owner", "/identities?department=Keyset&limit=5", "id", insert);
    expect(ids).toEqual(expected);
    expect(kinds.every((k) => k === 2)).toBe(true);
    expect((await walk("owner", "/identities?department=Keyset&dir=desc&limit=7", "id")).ids).toEqual(await ordered("DESC"));
    // Other orders page by number, still every identity once when nothing changes.
    const byKind = await walk("owner", "/identities?department=Keyset&sort=kind&limit=9", "id");
    expect(byKind.ids.slice().sort()).toEqual((await ordered("ASC")).sort());
    expect(byKind.kinds.every((k) => k === 1)).toBe(true);
  });

  it("the approver inbox: every open stage once, oldest first (then id), with many opened in the same millisecond; one opened during the walk shifts nothing", async () => {
    const tpl = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: s.requests.pending.id } });
    const manager = s.people.manager.id;
    const open = async (beneficiaryId: string, openedAt: Date) => {
      const r = await db.prisma.accessRequest.create({
        data: {
          requesterId: s.people.employee.id, beneficiaryId, entitlementId: tpl.entitlementId, justification: tpl.justification, durationHours: tpl.durationHours, status: "PENDING",
          contentHash: tpl.contentHash, policyVersionId: tpl.policyVersionId, policyHash: tpl.policyHash, policyDecision: tpl.policyDecision as object, inputHash: tpl.inputHash, deadlineAt: tpl.deadlineAt,
        },
      });
      await db.prisma.approvalStep.create({ data: { requestId: r.id, stageOrder: 1, kind: "MANAGER", status: "OPEN", eligibleIds: [manager], openedAt, requesterId: s.people.employee.id, beneficiaryId } });
    };
    for (const [k, p] of people.slice(0, 30).entries()) await open(p.id, at(k));
    // The whole inbox in one page (no position: nothing to seek), checked to be in (openedAt, id) order.
    const ordered = async (dir: "asc" | "desc") => {
      const all = items(await api("manager", "GET", `/approvals?limit=100&dir=${dir}`)).map((x) => ({ id: String(x.stepId), at: String(x.openedAt) }));
      const sorted = all.slice().sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
      expect(all).toEqual(dir === "asc" ? sorted : sorted.reverse());
      return all.map((x) => x.id);
    };
    const expected = await ordered("asc");
    expect(expected.length).toBeLessThan(100);
    expect(expected.length).toBeGreaterThan(30);
    // Opened before every other stage: with page numbers it would push a row of page 1 onto page 2.
    const { ids, kinds } = await walk("manager", "/approvals?limit=7", "stepId", () => open(people[30]!.id, new Date(Date.UTC(2020, 0, 1))));
    expect(ids).toEqual(expected);
    expect(kinds.every((k) => k === 2)).toBe(true);
    expect((await walk("manager", "/approvals?dir=desc&limit=6", "stepId")).ids).toEqual(await ordered("desc"));
  });

  it("findings: every finding once, newest first (then id), with many raised in the same millisecond; one raised during the walk shifts nothing", async () => {
    await db.prisma.finding.createMany({ data: Array.from({ length: 30 }, (_, k) => ({ kind: "ORPHANED_NHI", subjectType: "Identity", subjectId: people[k]!.id, createdAt: at(k) })) });
    const ordered = async (dir: "asc" | "desc") => (await db.prisma.finding.findMany({ orderBy: [{ createdAt: dir }, { id: dir }], select: { id: true } })).map((f) => f.id);
    const expected = await ordered("desc");
    expect(expected.length).toBeGreaterThan(30);
    const raise = () => db.prisma.finding.create({ data: { kind: "ORPHANED_NHI", subjectType: "Identity", subjectId: people[31]!.id, createdAt: new Date(Date.UTC(2030, 0, 1)) } });
    const { ids, kinds } = await walk("auditor", "/findings?limit=7", "id", raise);
    expect(ids).toEqual(expected);
    expect(kinds.every((k) => k === 2)).toBe(true);
    expect((await walk("auditor", "/findings?dir=asc&limit=8", "id")).ids).toEqual(await ordered("asc"));
  });

  it("review items: every item once, in the review order (due date, holder, entitlement, id), with names shared; one routed to the reviewer during the walk shifts nothing", async () => {
    const owner = s.people.owner.id;
    const campaign = s.campaigns.active;
    const ent = await db.prisma.entitlement.findUniqueOrThrow({ where: { id: s.ent.reports.id }, include: { system: true } });
    const item = async (k: number, identityName: string) => {
      const g = await db.prisma.grant.create({ data: { identityId: people[k]!.id, entitlementId: ent.id, status: "ACTIVE", origin: "IMPORTED", startsAt: at(k) } });
      await db.prisma.reviewItem.create({
        data: {
          campaignId: campaign.id, grantId: g.id, identityId: people[k]!.id, entitlementId: ent.id, identityName, identityKind: "HUMAN", entitlementName: ent.name,
          systemId: ent.systemId, systemName: ent.system.name, risk: ent.risk, privileged: ent.privileged, origin: "IMPORTED", grantStartsAt: at(k), reviewerId: owner, createdAt: at(k),
        },
      });
    };
    for (let k = 0; k < 30; k++) await item(k, people[k]!.displayName);
    const expected = (
      await db.prisma.$queryRawUnsafe<{ id: string }[]>(
        `SELECT r."id"::text AS "id" FROM "ReviewItem" r JOIN "Campaign" c ON c."id" = r."campaignId" WHERE r."reviewerId" = $1::uuid AND r."decision" IS NULL AND c."status" = 'ACTIVE' ORDER BY c."dueAt", lower(r."identityName"), lower(r."entitlementName"), r."id"`,
        owner,
      )
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(30);
    // A holder whose name sorts first: with page numbers it would push a row of page 1 onto page 2.
    const { ids, kinds } = await walk("owner", "/review-items?limit=7", "id", () => item(30, "Keyset Aaron"));
    expect(ids).toEqual(expected);
    expect(kinds.every((k) => k === 2)).toBe(true);
    const bySystem = await walk("owner", "/review-items?sort=system&limit=9", "id");
    expect(bySystem.kinds.every((k) => k === 1)).toBe(true);
    expect(new Set(bySystem.ids).size).toBe(bySystem.ids.length);
  });

  it("refuses forged positions, another order's or list's cursor, and `after` in the query: 400 naming cursor, nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const forge = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const id = "0b6c8f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    const fp = queryFingerprint({});
    const realOf = async (who: Who, path: string) => (await api(who, "GET", path)).body.nextCursor as string;
    const bad: [Who, string, string][] = [
      ["owner", "a name with NUL", `/identities?cursor=${forge({ v: 2, k: "Keyset\u0000Ann", i: id, l: 5, q: fp })}`],
      ["owner", "a name longer than a cursor carries", `/identities?cursor=${forge({ v: 2, k: "x".repeat(150), i: id, l: 5, q: fp })}`],
      ["owner", "a name cursor in another order", `/identities?sort=kind&cursor=${encodeSeekCursor({ key: "Keyset Ann", id }, 5, queryFingerprint({ sort: "kind" }))}`],
      ["owner", "the directory's cursor on review items", `/review-items?cursor=${await realOf("owner", "/identities?limit=5")}`],
      ["manager", "not a date", `/approvals?cursor=${forge({ v: 2, k: "Keyset Ann", i: id, l: 5, q: fp })}`],
      ["manager", "a date without milliseconds", `/approvals?cursor=${forge({ v: 2, k: "2026-03-04T09:00:00Z", i: id, l: 5, q: fp })}`],
      ["manager", "an inbox cursor in another order", `/approvals?sort=risk&cursor=${encodeSeekCursor({ key: "2026-03-04T09:00:00.375Z", id }, 5, queryFingerprint({ sort: "risk" }))}`],
      ["auditor", "a finding cursor with a bad date", `/findings?cursor=${forge({ v: 2, k: "2026-02-30T09:00:00.375Z", i: id, l: 5, q: fp })}`],
      ["auditor", "a finding cursor in another order", `/findings?sort=kind&cursor=${encodeSeekCursor({ key: "2026-03-04T09:00:00.375Z", id }, 5, queryFingerprint({ sort: "kind" }))}`],
      ["owner", "a review item that does not exist", `/review-items?cursor=${forge({ v: 2, k: "2026-03-04T09:00:00.375Z", i: id, l: 5, q: fp })}`],
      ["owner", "an item cursor with a name for a date", `/review-items?cursor=${forge({ v: 2, k: "Keyset Ann", i: s.items.toDecide.id, l: 5, q: fp })}`],
      ["owner", "a cursor too long", `/identities?cursor=${"A".repeat(2049)}`],
    ];
    for (const [who, label, path] of bad) {
      const r = await api(who, "GET", path);
      expect(r.status, `${label}: ${r.text}`).toBe(400);
      expect(r.body.errors, label).toHaveProperty("cursor");
    }
    for (const [who, path] of [["owner", "/identities"], ["manager", "/approvals"], ["auditor", "/findings"], ["owner", "/review-items"]] as const) {
      const direct = await api(who, "GET", `${path}?after=${encodeURIComponent(JSON.stringify({ key: "2026-03-04T09:00:00.375Z", id }))}`);
      expect(direct.status, path).toBe(400);
      expect(direct.body.errors, path).toHaveProperty("after");
    }
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "refused list cursors");
  });
});

describe("coverage", () => {
  it("every operation of the registry answered a success that matched the document", () => {
    const missing = OPERATIONS.filter((op) => ![...(answeredStatuses().get(op.id) ?? [])].some((st) => st >= 200 && st < 300)).map((op) => op.id);
    expect(missing).toEqual([]);
  });
});
