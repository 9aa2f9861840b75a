/**
 * Idempotency-Key on /api/v1 mutations: the same key and body replay the first answer without acting again;
 * the same key with another body is 422 and changes nothing; a key whose first call is still running is 409;
 * a refusal that says "try again" releases the key; keys of different clients never meet; a key expires after
 * 24 hours. On PostgreSQL: two parallel calls with one key act once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import { callApi, makeApiClient, type TestApiClient } from "../../testing/api-clients";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { ensureDefaultPolicy } from "../../domain/policy/service";
import { bodyHash, IDEMPOTENCY_TTL_HOURS, purgeExpiredIdempotencyKeys } from "../../domain/api-clients/idempotency";
import { JOBS } from "../../jobs/registry";

let db: TestDb;
const T0 = new Date("2026-12-01T09:00:00Z");
const HOUR = 3_600_000;
let client: TestApiClient;
let other: TestApiClient;
const ents: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  await db.prisma.$transaction((tx) => ensureDefaultPolicy(tx, null, T0));
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  const system = await makeSystem(db.prisma, owner.id, { name: "Build Farm" });
  for (let i = 0; i < 6; i++) ents.push((await makeEntitlement(db.prisma, system.id, { name: `deploy-${i}` })).id);
  client = await makeApiClient(db.prisma, owner.id, ["requests:write", "requests:read"], { now: T0 });
  other = await makeApiClient(db.prisma, owner.id, ["requests:write"], { now: T0 });
});
afterAll(async () => {
  await db.close();
});

const body = (entitlementId: string) => ({ entitlementId, justification: "The nightly build deploys to staging with it.", durationHours: 24 });
const submit = (c: TestApiClient, key: string | null, b: unknown, at = new Date(T0.getTime() + 60_000)) =>
  callApi(db.prisma, "POST", "/requests", { token: c.token, body: b, headers: key ? { "Idempotency-Key": key } : {}, now: at });
const requestsOf = (c: TestApiClient) => db.prisma.accessRequest.count({ where: { requesterId: c.clientId } });

describe("Idempotency-Key", () => {
  it("the same key and body replay the first answer, acting once", async () => {
    const first = await submit(client, "key-replay-1", body(ents[0]!));
    expect(first.status, first.text).toBe(201);
    const events = await db.prisma.ledgerEvent.count();
    const again = await submit(client, "key-replay-1", body(ents[0]!));
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await requestsOf(client)).toBe(1);
    expect(await db.prisma.ledgerEvent.count()).toBe(events);
  });

  it("the same key with another body: 422, nothing changed", async () => {
    const before = await dbFingerprint(db.prisma);
    const out = await submit(client, "key-replay-1", body(ents[1]!));
    expect(out.status).toBe(422);
    expect(out.body.type).toBe("https://warrant.dev/problems/idempotency-key-reused");
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "a reused key");
  });

  it("the same key on another operation: 422", async () => {
    const r = await db.prisma.accessRequest.findFirstOrThrow({ where: { requesterId: client.clientId } });
    const out = await callApi(db.prisma, "POST", `/requests/${r.id}/cancel`, { token: client.token, body: { expectedRevision: r.revision }, headers: { "Idempotency-Key": "key-replay-1" }, now: new Date(T0.getTime() + 60_000) });
    expect(out.status).toBe(422);
  });

  it("a key whose first call is still running: 409, nothing changed", async () => {
    // The state a crash or a slow first call leaves: claimed, no answer yet.
    await db.prisma.apiIdempotencyKey.create({ data: { clientId: client.clientId, key: "key-running", operation: "POST /requests {}", bodyHash: bodyHash(new TextEncoder().encode(JSON.stringify(body(ents[2]!)))), createdAt: T0, expiresAt: new Date(T0.getTime() + 24 * HOUR) } });
    const before = await dbFingerprint(db.prisma);
    const out = await submit(client, "key-running", body(ents[2]!));
    expect(out.status).toBe(409);
    expect(out.body.type).toBe("https://warrant.dev/problems/idempotency-key-in-use");
    const now = await dbFingerprint(db.prisma);
    await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: now.RateLimitCounter, ApiToken: now.ApiToken }, "a key in use");
  });

  it("keys of different clients never meet", async () => {
    const a = await submit(other, "key-replay-1", body(ents[0]!));
    expect(a.status).toBe(201);
    expect(a.headers.get("idempotent-replayed")).toBeNull();
    expect(await requestsOf(other)).toBe(1);
  });

  it("a refused input is replayed as refused (it did not act), and a bad key is 400", async () => {
    const bad = await submit(client, "key-bad-input", { ...body(ents[3]!), durationHours: -5 });
    expect(bad.status).toBe(400);
    const again = await submit(client, "key-bad-input", { ...body(ents[3]!), durationHours: -5 });
    expect(again.status).toBe(400);
    expect(await submit(client, "bad key with spaces", body(ents[3]!)).then((r) => r.status)).toBe(400);
    expect(await submit(client, "k".repeat(201), body(ents[3]!)).then((r) => r.status)).toBe(400);
  });

  it(`a key expires ${IDEMPOTENCY_TTL_HOURS} hours after its first use, then it is a new key`, async () => {
    const first = await submit(client, "key-expiring", body(ents[4]!));
    expect(first.status).toBe(201);
    const count = await requestsOf(client);
    const later = new Date(T0.getTime() + 60_000 + IDEMPOTENCY_TTL_HOURS * HOUR + 1000);
    const out = await submit(client, "key-expiring", body(ents[5]!), later);
    expect(out.status).toBe(201);
    expect(out.headers.get("idempotent-replayed")).toBeNull();
    expect(await requestsOf(client)).toBe(count + 1);
  });

  it("the worker's purge forgets every client's expired keys, and only those", async () => {
    const quiet = await makeApiClient(db.prisma, (await makeHuman(db.prisma)).id, ["requests:write"], { now: T0 });
    expect((await submit(quiet, "key-quiet", body(ents[0]!))).status).toBe(201);
    const at = (await db.prisma.apiIdempotencyKey.findUniqueOrThrow({ where: { clientId_key: { clientId: quiet.clientId, key: "key-quiet" } } })).expiresAt;
    // Just before its expiry nothing of it goes; just after, the quiet client's key goes without it calling again.
    const before = await db.prisma.apiIdempotencyKey.count();
    await purgeExpiredIdempotencyKeys(db.prisma, new Date(at.getTime() - 1000));
    expect(await db.prisma.apiIdempotencyKey.count({ where: { clientId: quiet.clientId } })).toBe(1);
    const after = new Date(at.getTime() + 1000);
    const stillValid = await db.prisma.apiIdempotencyKey.count({ where: { expiresAt: { gt: after } } });
    const { processed } = await purgeExpiredIdempotencyKeys(db.prisma, after);
    expect(processed).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.apiIdempotencyKey.count({ where: { clientId: quiet.clientId } })).toBe(0);
    expect(await db.prisma.apiIdempotencyKey.count()).toBe(stillValid);
    expect(before).toBeGreaterThan(stillValid);
    // It is a job of every worker tick.
    expect(JOBS.map((j) => j.name)).toContain("purge-idempotency-keys");
  });
});

describe.runIf(TEST_ENGINE === "postgres")("Idempotency-Key under concurrency (PostgreSQL)", () => {
  it("parallel calls with one key act once: one 201, the others replay it or are told the first is running", async () => {
    const c = await makeApiClient(db.prisma, (await makeHuman(db.prisma)).id, ["requests:write"], { now: T0 });
    const e = ents[0]!;
    const outs = await Promise.all(Array.from({ length: 6 }, () => submit(c, "key-race", body(e))));
    const statuses = outs.map((o) => o.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    // A 409 here is the key in use, never the domain's own conflict (which would mean a second call acted).
    for (const o of outs.filter((x) => x.status === 409)) expect(o.body.type).toBe("https://warrant.dev/problems/idempotency-key-in-use");
    // Acted once: one request, whatever the interleaving.
    expect(await requestsOf(c)).toBe(1);
    const created = outs.filter((o) => o.status === 201 && !o.headers.get("idempotent-replayed"));
    expect(created.length).toBe(1);
  });
});
