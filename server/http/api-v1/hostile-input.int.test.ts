/**
 * Hostile input on every /api/v1 operation: a valid input with one field at a time replaced by NUL, a bidi
 * override, 1 MB of text, deep nesting, wrong types, huge numbers (server/testing/zod-arbitrary.ts), sent as
 * the query (GET) or the JSON body (POST), plus raw bodies that are not JSON objects. Never a 5xx, never a
 * stack or SQL in the answer, every answer an error is problem details, and a refused mutation changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { authorizationScene, type AuthorizationScene } from "../../testing/authorization-scene";
import { callApi, makeApiClient, type TestApiClient } from "../../testing/api-clients";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { hostileVariants } from "../../testing/zod-arbitrary";
import { API_SCOPE_NAMES } from "../../domain/api-clients/scopes";
import { JUSTIFICATION } from "../../domain/requests/request-test-kit";
import { OPERATIONS, pathParamNames, type Operation } from "./operations";

let db: TestDb;
let s: AuthorizationScene;
let client: TestApiClient;

beforeAll(async () => {
  db = await createTestDb();
  s = await authorizationScene(db.prisma);
  // Every scope, owned by an admin who is also security: the owner may do everything an owner-scope offers.
  client = await makeApiClient(db.prisma, s.people.adminSecurity.id, API_SCOPE_NAMES, { now: s.clock.now() });
}, 120_000);
afterAll(async () => {
  await db.close();
});

/** A valid input of each operation (path parameters included), built from the scene. */
function baseInput(op: Operation): Record<string, unknown> {
  const bases: Record<string, Record<string, unknown>> = {
    listSystems: { q: "pay" },
    getSystem: { id: s.system.id },
    listEntitlements: { systemId: s.system.id },
    getEntitlement: { id: s.ent.reports.id },
    listIdentities: { q: "priya" },
    getIdentity: { id: s.people.employee.id },
    listGrants: { q: "reports" },
    getGrant: { grantId: s.grants.approved.id },
    listRequests: { status: "PENDING" },
    getRequest: { id: s.requests.pending.id },
    submitRequest: { entitlementId: s.ent.dbAdmin.id, justification: JUSTIFICATION, durationHours: 4 },
    cancelRequest: { id: s.requests.toCancel.id, expectedRevision: 1 },
    listApprovals: { q: "batch" },
    decideApproval: { requestId: s.requests.pending.id, stepId: s.requests.pending.stepId, decision: "DENY", expectedRevision: 1, reason: "Not for this quarter" },
    listCampaigns: { status: "ACTIVE" },
    getCampaign: { id: s.campaigns.active.id },
    listReviewItems: { campaignId: s.campaigns.active.id },
    decideReviewItem: { itemId: s.items.toDecide.id, expectedVersion: 1, decision: "KEEP", comment: "Still needed" },
    listFindings: { status: "OPEN" },
    listLedgerEvents: { action: "request.submitted" },
    readEvents: { after: "0", limit: 5, types: "grant.*" },
    exportEvents: { from: "1", to: "5" },
    startEvidenceExport: { from: "2026-01-01", to: "2026-01-31" },
    getEvidenceExport: { id: s.evidenceExport.id },
    downloadEvidenceExport: { id: s.evidenceExport.id },
  };
  const b = bases[op.id];
  if (!b) throw new Error(`No base input for ${op.id}: add one`);
  return b;
}

function request(op: Operation, input: unknown): { path: string; body?: unknown; raw?: string } {
  const obj = input && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : null;
  let path = op.path;
  const rest: Record<string, unknown> = { ...(obj ?? {}) };
  for (const name of pathParamNames(op)) {
    const v = obj?.[name];
    path = path.replace(`{${name}}`, encodeURIComponent(typeof v === "string" ? v : JSON.stringify(v ?? null)));
    delete rest[name];
  }
  if (op.method === "GET") {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) q.set(k, typeof v === "string" ? v : JSON.stringify(v));
    const qs = q.toString();
    return { path: qs ? `${path}?${qs}` : path };
  }
  return obj ? { path, body: rest } : { path, raw: JSON.stringify(input) };
}

describe("hostile input on every operation", () => {
  for (const op of OPERATIONS) {
    it(`${op.method} ${op.path}: never a 5xx; refusals are problem details and change nothing`, async () => {
      const base = baseInput(op);
      // JSON.stringify cannot write the 5 000-deep variant (the stack): it is sent as raw text below.
      const variants = [...hostileVariants(op.input, base).filter((v) => !/5 000 objects deep/.test(v.label)), { label: "a huge number everywhere", input: Object.fromEntries(Object.entries(base).map(([k]) => [k, 1e308])) }];
      const deep = '{"a":'.repeat(5000) + "{}" + "}".repeat(5000);
      const raws = op.method === "POST" ? [deep, "", "null", "[]", "\"text\"", "{\"a\":", "\u0000", "{\"__proto__\":{\"polluted\":1}}"] : [];
      let refusedCount = 0;
      const check = async (label: string, send: () => ReturnType<typeof callApi>) => {
        const before = await dbFingerprint(db.prisma);
        const out = await send();
        expect(out.status, `${label}: ${out.text.slice(0, 300)}`).toBeLessThan(500);
        expect(out.text).not.toMatch(/prisma|SELECT |\bat .*\.ts:\d|TypeError|undefined is not/i);
        if (out.status >= 400) {
          refusedCount++;
          expect(out.contentType, label).toBe("application/problem+json");
          expect(out.body.status).toBe(out.status);
          const now = await dbFingerprint(db.prisma);
          await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, `${op.id} with ${label}`);
        }
        return out;
      };
      for (const v of variants) {
        const r = request(op, v.input);
        const out = await check(v.label, () => callApi(db.prisma, op.method, r.path, { token: client.token, body: r.body, raw: r.raw, now: s.clock.now(), rateLimitNow: s.clock.now() }));
        if (/NUL|bidi/.test(v.label) && !/^\(input\)/.test(v.label)) expect(out.status, v.label).toBe(400);
      }
      if (op.method === "GET") await check("a query value nested 5 000 deep", () => callApi(db.prisma, "GET", `${request(op, base).path}${request(op, base).path.includes("?") ? "&" : "?"}q=${encodeURIComponent(deep)}`, { token: client.token, now: s.clock.now(), rateLimitNow: s.clock.now() }));
      for (const raw of raws) await check(`raw body ${JSON.stringify(raw)}`, () => callApi(db.prisma, "POST", request(op, base).path, { token: client.token, raw, now: s.clock.now(), rateLimitNow: s.clock.now() }));
      expect(refusedCount).toBeGreaterThan(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }, 120_000);
  }
});
