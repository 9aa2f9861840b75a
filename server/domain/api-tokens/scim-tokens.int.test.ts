/**
 * SCIM client tokens as governed non-human identities: shown once, stored as a hash, rotation with an overlap
 * window, immediate revocation, expiry bounded by the client's credential, last use at most once a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/ledger";
import { createTestDb, type TestDb } from "../../testing/db";
import { dbFingerprint, expectNothingChanged } from "../../testing/db-fingerprint";
import { callerAs, makeHuman } from "../../testing/factories";
import { authenticateApiToken } from "./service";
import { hashToken } from "./token";

let db: TestDb;
const id: Record<string, string> = {};
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = new Date("2026-12-01T09:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  db = await createTestDb();
  const admin = await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] });
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  const auditor = await makeHuman(db.prisma, { name: "Aud Auditor", roles: ["AUDITOR"] });
  Object.assign(id, { admin: admin.id, owner: owner.id, auditor: auditor.id });
});
afterAll(async () => {
  await db.close();
});

const adminAt = (now: Date) => callerAs(db.prisma, id.admin, () => now);
const create = (now = T0, over: Record<string, unknown> = {}) =>
  adminAt(now).scimClients.create({ displayName: "Okta SCIM", ownerId: id.owner, purpose: "Joiners and leavers from Okta", expiresAt: new Date(now.getTime() + 90 * DAY), ...over });

async function expectRefused(call: () => Promise<unknown>, code: string) {
  const before = await dbFingerprint(db.prisma);
  const err = await call().then(() => null, (e: unknown) => e as { code: string });
  expect(err, "the call should have been refused").not.toBeNull();
  expect(err!.code).toBe(code);
  await expectNothingChanged(db.prisma, before, "a refused token change");
}

describe("SCIM client tokens", () => {
  it("creates an API_KEY identity with owner and expiry, shows the token once and stores only its hash, with ledger events", async () => {
    const issued = await create();
    expect(issued.token).toMatch(/^wrt_[A-Za-z0-9_-]{40}$/);
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: issued.tokenId } });
    expect(row.hash).toBe(hashToken(issued.token));
    expect(JSON.stringify(row)).not.toContain(issued.token);
    expect(row.prefix).toBe(issued.token.slice(0, 12));
    expect(row.scope).toBe("scim");
    const client = await db.prisma.identity.findUniqueOrThrow({ where: { id: issued.identityId } });
    expect(client).toMatchObject({ kind: "API_KEY", ownerId: id.owner, status: "ACTIVE", credentialKeyId: row.prefix });
    const events = await db.prisma.ledgerEvent.findMany({ where: { subjectId: issued.identityId }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["identity.nhi.created", "api_token.issued"]);
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain(issued.token);
    expect(await authenticateApiToken(db.prisma, issued.token, "scim", at(HOUR))).toMatchObject({ id: issued.identityId, tokenId: issued.tokenId });
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });

  it("the list shows prefix, state and last use, never the token or hash; an auditor may read it", async () => {
    const issued = await create(T0, { displayName: "Listed SCIM" });
    const list = await callerAs(db.prisma, id.auditor, () => at(HOUR)).scimClients.list();
    const mine = list.find((c) => c.id === issued.identityId)!;
    expect(mine.tokens).toHaveLength(1);
    expect(mine.tokens[0]).toMatchObject({ prefix: issued.prefix, state: "active" });
    expect(JSON.stringify(list)).not.toContain(issued.token);
    expect(JSON.stringify(list)).not.toMatch(/hash/);
  });

  it("rotation keeps the old token valid until the overlap ends, then refuses it; the new one works", async () => {
    const first = await create();
    const second = await adminAt(at(DAY)).scimClients.rotate({ tokenId: first.tokenId, overlapHours: 24 });
    expect(second.token).not.toBe(first.token);
    expect(await authenticateApiToken(db.prisma, first.token, "scim", at(DAY + 23 * HOUR))).not.toBeNull();
    expect(await authenticateApiToken(db.prisma, first.token, "scim", at(2 * DAY))).toBeNull();
    expect(await authenticateApiToken(db.prisma, second.token, "scim", at(2 * DAY))).toMatchObject({ tokenId: second.tokenId });
    const actions = (await db.prisma.ledgerEvent.findMany({ where: { subjectId: first.identityId }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["identity.nhi.created", "api_token.issued", "api_token.issued", "api_token.rotated"]);
    // A token is rotated once: rotating the old one again is refused and changes nothing.
    await expectRefused(() => adminAt(at(DAY + HOUR)).scimClients.rotate({ tokenId: first.tokenId, overlapHours: 1 }), "CONFLICT");
  });

  it("refuses an overlap longer than 7 days and changes nothing", async () => {
    const first = await create();
    await expectRefused(() => adminAt(at(HOUR)).scimClients.rotate({ tokenId: first.tokenId, overlapHours: 7 * 24 + 1 }), "BAD_REQUEST");
  });

  it("revocation is immediate and final", async () => {
    const issued = await create();
    await adminAt(at(HOUR)).scimClients.revoke({ tokenId: issued.tokenId, reason: "Pasted in a ticket" });
    expect(await authenticateApiToken(db.prisma, issued.token, "scim", at(HOUR))).toBeNull();
    await expectRefused(() => adminAt(at(2 * HOUR)).scimClients.revoke({ tokenId: issued.tokenId, reason: "again" }), "CONFLICT");
    await expectRefused(() => adminAt(at(2 * HOUR)).scimClients.rotate({ tokenId: issued.tokenId }), "BAD_REQUEST");
  });

  it("a token stops at its expiry, and at its client's deprovisioning", async () => {
    const issued = await create(T0, { expiresAt: at(10 * DAY) });
    expect(await authenticateApiToken(db.prisma, issued.token, "scim", at(10 * DAY - 1))).not.toBeNull();
    expect(await authenticateApiToken(db.prisma, issued.token, "scim", at(10 * DAY))).toBeNull();
    const other = await create();
    await db.prisma.identity.update({ where: { id: other.identityId }, data: { status: "DEPROVISIONED" } });
    expect(await authenticateApiToken(db.prisma, other.token, "scim", at(HOUR))).toBeNull();
  });

  it("refuses a credential longer than a year, and non-admins, changing nothing", async () => {
    await expectRefused(() => create(T0, { expiresAt: at(366 * DAY) }), "BAD_REQUEST");
    await expectRefused(() => callerAs(db.prisma, id.auditor, () => T0).scimClients.create({ displayName: "x SCIM", ownerId: id.owner, purpose: "Joiners and leavers", expiresAt: at(DAY) }), "FORBIDDEN");
    await expectRefused(() => callerAs(db.prisma, id.owner, () => T0).scimClients.create({ displayName: "x SCIM", ownerId: id.owner, purpose: "Joiners and leavers", expiresAt: at(DAY) }), "FORBIDDEN");
  });

  it("an unknown or other-scope token authenticates nobody", async () => {
    expect(await authenticateApiToken(db.prisma, "wrt_not-a-real-token", "scim", T0)).toBeNull();
  });

  it("records the last use at most once a minute", async () => {
    const issued = await create();
    await authenticateApiToken(db.prisma, issued.token, "scim", at(1000));
    await authenticateApiToken(db.prisma, issued.token, "scim", at(30_000));
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: issued.tokenId } })).lastUsedAt).toEqual(at(1000));
    await authenticateApiToken(db.prisma, issued.token, "scim", at(61_000));
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: issued.tokenId } })).lastUsedAt).toEqual(at(61_000));
  });
});
