/**
 * Who may call /api/v1, read fresh on every call: a token of scope "api" that is in date and not revoked or
 * rotated out, of an ACTIVE client whose credential is in date, whose owner is an ACTIVE human; the scope of the
 * operation held as an ACTIVE, unexpired grant on the Warrant API system; and, for an owner-scope, the owner's
 * own roles. Every refusal changes nothing (only the rate-limit counters and the token's last-use move, by design).
 * Also: the rate limit per client (RATE_LIMIT_API_PER_CLIENT) and the ledger's record of who acted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import { callApi, makeApiClient, type ApiAnswer } from "../../testing/api-clients";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { newToken } from "../../domain/api-tokens/token";
import { ensureDefaultPolicy } from "../../domain/policy/service";

// Read once, lazily, by server/env.ts: set before the first request of this file.
process.env.RATE_LIMIT_API_PER_CLIENT = "20";

let db: TestDb;
const T0 = new Date("2026-12-01T09:00:00Z");
const DAY = 86_400_000;
let owner: { id: string };
let auditor: { id: string };
let systemId = "";
let entitlementId = "";
/** Mid-window, so a rate-limit window cannot end between the requests of one test. */
let rateNow = new Date(T0.getTime() + 10_000);

beforeAll(async () => {
  db = await createTestDb();
  await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, T0));
  owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  auditor = await makeHuman(db.prisma, { name: "Ruth Auditor", roles: ["AUDITOR"] });
  const system = await makeSystem(db.prisma, owner.id, { name: "Build Farm" });
  systemId = system.id;
  entitlementId = (await makeEntitlement(db.prisma, system.id, { name: "deploy" })).id;
});
afterAll(async () => {
  await db.close();
});

const call = (token: string | null, method: string, path: string, body?: unknown, at: Date = new Date(T0.getTime() + 60_000)) =>
  callApi(db.prisma, method, path, { token, body, now: at, rateLimitNow: rateNow });

/** Asserts the refusal and that nothing but the rate-limit counters and the token's last use moved. */
async function refused(run: () => Promise<ApiAnswer>, status: number, type: string): Promise<ApiAnswer> {
  const before = await dbFingerprint(db.prisma);
  const out = await run();
  expect(out.status, out.text).toBe(status);
  expect(out.contentType).toBe("application/problem+json");
  expect(out.body.type).toBe(`https://warrant.dev/problems/${type}`);
  const now = await dbFingerprint(db.prisma);
  await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, `a refused call (${status})`);
  return out;
}

const submitBody = { entitlementId: "", justification: "The nightly build deploys to staging with it.", durationHours: 24 };

describe("the token, the client and its owner", () => {
  it("accepts an in-date token of an active client with an active owner", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    expect((await call(c.token, "GET", "/catalog/systems")).status).toBe(200);
  });

  it("401 for a token that expired, was revoked, or was rotated out past its overlap", async () => {
    const expired = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0, tokenExpiresAt: new Date(T0.getTime() + 30_000) });
    await refused(() => call(expired.token, "GET", "/catalog/systems"), 401, "unauthenticated");

    const revoked = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    await db.prisma.apiToken.update({ where: { id: revoked.tokenId }, data: { revokedAt: T0, revokedById: owner.id } });
    await refused(() => call(revoked.token, "GET", "/catalog/systems"), 401, "unauthenticated");

    const rotated = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    const next = newToken();
    const successor = await db.prisma.apiToken.create({ data: { identityId: rotated.clientId, scope: "api", prefix: next.prefix, hash: next.hash, createdAt: T0, createdById: owner.id, expiresAt: new Date(T0.getTime() + 30 * DAY) } });
    await db.prisma.apiToken.update({ where: { id: rotated.tokenId }, data: { replacedById: successor.id, overlapUntil: new Date(T0.getTime() + 30_000) } });
    await refused(() => call(rotated.token, "GET", "/catalog/systems"), 401, "unauthenticated");
    expect((await call(next.token, "GET", "/catalog/systems")).status).toBe(200);
  });

  it("a rotated-out token still answers 200 before overlapUntil and 401 after (the real rotation service)", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    // The owner rotates it through the procedure the portal's Tokens card calls, with a one-hour overlap.
    const successor = await callerAs(db.prisma, owner.id, () => T0).apiClients.rotateToken({ tokenId: c.tokenId, overlapHours: 1 });
    const old = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: c.tokenId } });
    expect(old.replacedById).toBe(successor.tokenId);
    expect(old.overlapUntil).toEqual(new Date(T0.getTime() + 3_600_000));
    expect(await db.prisma.ledgerEvent.count({ where: { action: "api_token.rotated", subjectId: c.clientId } })).toBe(1);

    // Inside the overlap both tokens work: the old one up to the last millisecond before overlapUntil.
    expect((await call(c.token, "GET", "/catalog/systems", undefined, new Date(T0.getTime() + 60_000))).status).toBe(200);
    expect((await call(c.token, "GET", "/catalog/systems", undefined, new Date(old.overlapUntil!.getTime() - 1))).status).toBe(200);
    expect((await call(successor.token, "GET", "/catalog/systems", undefined, new Date(T0.getTime() + 60_000))).status).toBe(200);
    // From overlapUntil on, the old token is refused (nothing changed) and the successor carries on.
    await refused(() => call(c.token, "GET", "/catalog/systems", undefined, old.overlapUntil!), 401, "unauthenticated");
    await refused(() => call(c.token, "GET", "/catalog/systems", undefined, new Date(old.overlapUntil!.getTime() + 60_000)), 401, "unauthenticated");
    expect((await call(successor.token, "GET", "/catalog/systems", undefined, new Date(old.overlapUntil!.getTime() + 60_000))).status).toBe(200);
  });

  it("401 for a SCIM client's token: a token is for one endpoint", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    await db.prisma.apiToken.update({ where: { id: c.tokenId }, data: { scope: "scim" } });
    await refused(() => call(c.token, "GET", "/catalog/systems"), 401, "unauthenticated");
  });

  it("401 when the client is suspended or its credential expired", async () => {
    const suspended = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    await db.prisma.identity.update({ where: { id: suspended.clientId }, data: { status: "SUSPENDED" } });
    await refused(() => call(suspended.token, "GET", "/catalog/systems"), 401, "unauthenticated");
    const lapsed = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0, credentialExpiresAt: new Date(T0.getTime() + 30_000) });
    await refused(() => call(lapsed.token, "GET", "/catalog/systems"), 401, "unauthenticated");
  });

  it("401 when the client's owner is suspended (at once), 200 again when reinstated", async () => {
    const person = await makeHuman(db.prisma, { name: "Sam Suspended" });
    const c = await makeApiClient(db.prisma, person.id, ["catalog:read", "requests:write"], { now: T0 });
    await db.prisma.identity.update({ where: { id: person.id }, data: { status: "SUSPENDED" } });
    await refused(() => call(c.token, "POST", "/requests", { ...submitBody, entitlementId }), 401, "unauthenticated");
    await db.prisma.identity.update({ where: { id: person.id }, data: { status: "ACTIVE" } });
    expect((await call(c.token, "GET", "/catalog/systems")).status).toBe(200);
  });
});

describe("scopes", () => {
  it("403 naming the scope when the client does not hold it, nothing changed", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    const out = await refused(() => call(c.token, "POST", "/requests", { ...submitBody, entitlementId }), 403, "missing-scope");
    expect(out.body.requiredScope).toBe("requests:write");
  });

  it("a scope whose grant expired or was revoked is gone at once", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read", "requests:write"], { now: T0, grantExpiresAt: new Date(T0.getTime() + 30_000) });
    const out = await refused(() => call(c.token, "POST", "/requests", { ...submitBody, entitlementId }), 403, "missing-scope");
    expect(out.body.requiredScope).toBe("requests:write");
    const d = await makeApiClient(db.prisma, owner.id, ["catalog:read", "requests:write"], { now: T0 });
    await db.prisma.grant.update({ where: { id: d.grantIds["requests:write"]! }, data: { status: "REVOKED", revokedAt: T0 } });
    await refused(() => call(d.token, "POST", "/requests", { ...submitBody, entitlementId }), 403, "missing-scope");
  });

  it("an entitlement of another system with the same name or externalRef grants no scope", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    const lookalike = await db.prisma.entitlement.create({ data: { systemId, name: "requests:write", externalRef: "requests:write", maxDurationDays: 30 } });
    await db.prisma.grant.create({ data: { identityId: c.clientId, entitlementId: lookalike.id, status: "ACTIVE", origin: "IMPORTED", startsAt: T0 } });
    await refused(() => call(c.token, "POST", "/requests", { ...submitBody, entitlementId }), 403, "missing-scope");
  });

  it("asking for someone else needs requests:on-behalf as well", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["requests:write"], { now: T0 });
    const out = await refused(() => call(c.token, "POST", "/requests", { ...submitBody, entitlementId, beneficiaryId: owner.id }), 403, "missing-scope");
    expect(out.body.requiredScope).toBe("requests:on-behalf");
  });

  it("an owner-scope is bounded by the owner's roles: events:read of an owner who may not read the ledger is 403", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["events:read", "findings:read", "grants:read", "evidence:export"], { now: T0 });
    for (const path of ["/ledger/events", "/events?after=0", "/events/export?from=1", "/findings", "/grants"]) await refused(() => call(c.token, "GET", path), 403, "forbidden");
    await refused(() => call(c.token, "POST", "/evidence-exports", { from: "2026-01-01", to: "2026-01-31" }), 403, "forbidden");
    // The same scopes with an auditor as owner: allowed (the roles are the owner's, read fresh).
    const a = await makeApiClient(db.prisma, auditor.id, ["events:read"], { now: T0 });
    expect((await call(a.token, "GET", "/ledger/events")).status).toBe(200);
    await db.prisma.roleAssignment.deleteMany({ where: { identityId: auditor.id } });
    await refused(() => call(a.token, "GET", "/ledger/events"), 403, "forbidden");
  });

  it("a client-scope acts as the client: its request and the ledger event name the client, not the owner", async () => {
    const c = await makeApiClient(db.prisma, owner.id, ["requests:write"], { now: T0, kind: "AI_AGENT" });
    const out = await call(c.token, "POST", "/requests", { ...submitBody, entitlementId });
    expect(out.status, out.text).toBe(201);
    const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: String(out.body.id) } });
    expect(r.requesterId).toBe(c.clientId);
    const ev = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { subjectId: r.id }, orderBy: { seq: "asc" } });
    expect(ev.actorId).toBe(c.clientId);
  });
});

describe("rate limit per client", () => {
  it("past RATE_LIMIT_API_PER_CLIENT in a window: 429 with Retry-After, nothing done; another client is not affected", async () => {
    rateNow = new Date(T0.getTime() + 3_600_000 + 10_000);
    const busy = await makeApiClient(db.prisma, owner.id, ["catalog:read", "requests:write"], { now: T0 });
    const quiet = await makeApiClient(db.prisma, owner.id, ["catalog:read"], { now: T0 });
    for (let i = 0; i < 20; i++) expect((await call(busy.token, "GET", "/catalog/systems")).status).toBe(200);
    const out = await refused(() => call(busy.token, "POST", "/requests", { ...submitBody, entitlementId }), 429, "rate-limited");
    expect(Number(out.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call(quiet.token, "GET", "/catalog/systems")).status).toBe(200);
  });
});
