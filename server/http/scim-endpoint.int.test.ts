/**
 * /scim/v2 driven with real Request objects against a real database, in the request sequences of Okta's and
 * Microsoft Entra's SCIM validators: create, get by filter, get by id, patch active false (both shapes), patch
 * manager, PUT, groups with members added and removed, delete. Refusals (bad tokens, malformed bodies) change
 * nothing. The race of two parallel creates runs on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { dbFingerprint, expectNothingChanged } from "../testing/db-fingerprint";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeSystem } from "../testing/factories";
import { verifyChain } from "../ledger/ledger";
import { handleScimRequest } from "./scim-endpoint";

let db: TestDb;
const id: Record<string, string> = {};
let token = "";
let clientId = "";
const T0 = new Date("2026-12-01T09:00:00Z");
const DAY = 86_400_000;
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

beforeAll(async () => {
  db = await createTestDb();
  const admin = await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] });
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  const boss = await makeHuman(db.prisma, { name: "Bea Boss", department: "Finance" });
  const boss2 = await makeHuman(db.prisma, { name: "Ben Boss", department: "Finance" });
  Object.assign(id, { admin: admin.id, owner: owner.id, boss: boss.id, boss2: boss2.id });
  const issued = await callerAs(db.prisma, admin.id, () => T0).scimClients.create({ displayName: "Okta SCIM", ownerId: owner.id, purpose: "Joiners and leavers from Okta", expiresAt: new Date(T0.getTime() + 90 * DAY) });
  token = issued.token;
  clientId = issued.identityId;
});
afterAll(async () => {
  await db.close();
});

type Out = { status: number; body: Record<string, unknown> & { Resources?: Record<string, unknown>[] }; headers: Headers };

async function scim(method: string, path: string, body?: unknown, opts: { token?: string | null; raw?: string; now?: Date } = {}): Promise<Out> {
  const auth: Record<string, string> = opts.token === null ? {} : { Authorization: `Bearer ${opts.token ?? token}` };
  const url = new URL(`http://portal.test/scim/v2/${path}`);
  const req = new Request(url, {
    method,
    headers: { "Content-Type": "application/scim+json", ...auth },
    body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const segments = url.pathname.replace(/^\/scim\/v2\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const res = await handleScimRequest(db.prisma, req, segments, { now: opts.now ?? new Date(T0.getTime() + 60_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

async function refusedWithNothingChanged(call: () => Promise<Out>, status: number, scimType?: string) {
  const before = await dbFingerprint(db.prisma);
  const out = await call();
  expect(out.status, JSON.stringify(out.body)).toBe(status);
  expect(out.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  if (scimType) expect(out.body.scimType).toBe(scimType);
  expect(JSON.stringify(out.body)).not.toMatch(/prisma|SELECT|at .*\.ts:/i);
  // Rate-limit counters move on every request by design; nothing else may.
  await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: (await dbFingerprint(db.prisma)).RateLimitCounter }, "a refused SCIM request");
  return out;
}

const events = async (subjectId: string) => (await db.prisma.ledgerEvent.findMany({ where: { subjectId }, orderBy: { seq: "asc" } })).map((e) => ({ action: e.action, actorId: e.actorId, payload: e.payload as Record<string, unknown> }));

describe("/scim/v2 discovery", () => {
  it("serves ServiceProviderConfig, Schemas and ResourceTypes with the enterprise extension", async () => {
    const spc = await scim("GET", "ServiceProviderConfig");
    expect(spc.status).toBe(200);
    expect(spc.headers.get("content-type")).toBe("application/scim+json");
    expect(spc.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 200 }, bulk: { supported: false } });
    const types = await scim("GET", "ResourceTypes");
    expect(types.body.Resources!.map((r) => r.name)).toEqual(expect.arrayContaining(["User", "Group"]));
    const user = types.body.Resources!.find((r) => r.name === "User")!;
    expect(JSON.stringify(user.schemaExtensions)).toContain(ENT);
    const schemas = await scim("GET", "Schemas");
    expect(schemas.body.Resources!.map((r) => r.id)).toEqual(expect.arrayContaining([USER, GROUP, ENT]));
  });
});

describe("Okta's sequence", () => {
  let userId = "";
  it("creates a user (joiner) with the client named in the ledger", async () => {
    const out = await scim("POST", "Users", {
      schemas: [USER, ENT],
      userName: "Olga.Okta@example.test",
      name: { givenName: "Olga", familyName: "Okta" },
      emails: [{ primary: true, value: "olga.okta@example.test", type: "work" }],
      displayName: "Olga Okta",
      externalId: "00u1okta",
      active: true,
      [ENT]: { department: "Finance", employeeNumber: "E-1001", manager: { value: id.boss } },
    });
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    userId = out.body.id as string;
    expect(out.headers.get("location")).toMatch(new RegExp(`/scim/v2/Users/${userId}$`));
    expect(out.body).toMatchObject({ userName: "olga.okta@example.test", externalId: "00u1okta", active: true, [ENT]: { department: "Finance", employeeNumber: "E-1001", manager: { value: id.boss } } });
    const person = await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } });
    expect(person).toMatchObject({ kind: "HUMAN", status: "ACTIVE", email: "olga.okta@example.test", managerId: id.boss, department: "Finance", externalId: "00u1okta" });
    const ev = await events(userId);
    expect(ev[0]).toMatchObject({ action: "identity.joined", actorId: clientId, payload: { source: { via: "scim", clientId, clientName: "Okta SCIM" } } });
  });

  it("finds it by userName eq (any case) and by externalId eq; an unknown name gives an empty list", async () => {
    const byName = await scim("GET", `Users?filter=${encodeURIComponent('userName eq "OLGA.okta@example.test"')}&startIndex=1&count=100`);
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(byName.body.Resources![0].id).toBe(userId);
    const byExternal = await scim("GET", `Users?filter=${encodeURIComponent('externalId eq "00u1okta"')}`);
    expect(byExternal.body.Resources!.map((r) => r.id)).toEqual([userId]);
    const none = await scim("GET", `Users?filter=${encodeURIComponent('userName eq "nobody@example.test"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("gets it by id; an unknown id is a SCIM 404", async () => {
    expect((await scim("GET", `Users/${userId}`)).body).toMatchObject({ id: userId, userName: "olga.okta@example.test" });
    await refusedWithNothingChanged(() => scim("GET", "Users/00000000-0000-4000-8000-000000000000"), 404);
    await refusedWithNothingChanged(() => scim("GET", "Users/not-a-uuid"), 404);
  });

  it("PUT replaces attributes; a new manager makes a mover", async () => {
    const current = (await scim("GET", `Users/${userId}`)).body;
    const out = await scim("PUT", `Users/${userId}`, { ...current, title: "Controller", [ENT]: { department: "Finance", employeeNumber: "E-1001", manager: { value: id.boss2 } } });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body).toMatchObject({ title: "Controller", [ENT]: { manager: { value: id.boss2 } } });
    expect((await events(userId)).map((e) => e.action)).toContain("identity.moved");
  });

  it("a duplicate userName is a 409 uniqueness and creates nothing", async () => {
    await refusedWithNothingChanged(() => scim("POST", "Users", { schemas: [USER], userName: "olga.okta@example.test", active: true }), 409, "uniqueness");
  });

  it("PATCH replace with a value object {active:false} runs the leaver flow: grants revoked", async () => {
    const system = await makeSystem(db.prisma, id.owner, { name: "Ledger app" });
    const ent = await makeEntitlement(db.prisma, system.id, { name: "ledger-reader" });
    const grant = await makeGrant(db.prisma, userId, ent.id);
    const out = await scim("PATCH", `Users/${userId}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body.active).toBe(false);
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } })).status).toBe("DEPROVISIONED");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).not.toBe("ACTIVE");
    expect((await events(userId)).at(-1)).toMatchObject({ action: "identity.deprovisioned", actorId: clientId });
    // Again: nothing more happens.
    const n = await db.prisma.ledgerEvent.count();
    expect((await scim("PATCH", `Users/${userId}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: false } }] })).status).toBe(200);
    expect(await db.prisma.ledgerEvent.count()).toBe(n);
  });

  it("a PUT that leaves active out does not bring a leaver back", async () => {
    const current = (await scim("GET", `Users/${userId}`)).body;
    delete current.active;
    const out = await scim("PUT", `Users/${userId}`, current);
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } })).status).toBe("DEPROVISIONED");
  });

  it("active true brings a leaver back (rejoin)", async () => {
    const out = await scim("PATCH", `Users/${userId}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { active: true } }] });
    expect(out.body.active).toBe(true);
    expect((await events(userId)).map((e) => e.action)).toContain("identity.rejoined");
  });

  it("groups: create with a member, add and remove members by PATCH, each a ledger event", async () => {
    const created = await scim("POST", "Groups", { schemas: [GROUP], displayName: "Finance Team", members: [{ value: userId }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const gid = created.body.id as string;
    const found = await scim("GET", `Groups?filter=${encodeURIComponent('displayName eq "Finance Team"')}&excludedAttributes=members`);
    expect(found.body.Resources!.map((r) => r.id)).toEqual([gid]);
    expect(found.body.Resources![0].members).toBeUndefined();
    // Okta: replace of the whole group with its id repeated, then add/remove members.
    expect((await scim("PATCH", `Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "replace", value: { id: gid, displayName: "Finance" } }] })).status).toBe(200);
    const added = await scim("PATCH", `Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: id.boss }] }] });
    expect((added.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual([userId, id.boss].sort());
    const removed = await scim("PATCH", `Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "remove", path: `members[value eq "${userId}"]` }] });
    expect((removed.body.members as { value: string }[]).map((m) => m.value)).toEqual([id.boss]);
    const ev = await events(gid);
    expect(ev.map((e) => e.action)).toEqual(["scim.group.created", "scim.group.updated", "scim.group.updated", "scim.group.updated"]);
    expect(ev[2].payload).toMatchObject({ added: [id.boss], removed: [] });
    expect(ev[3].payload).toMatchObject({ added: [], removed: [userId] });
    await refusedWithNothingChanged(() => scim("PATCH", `Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: "00000000-0000-4000-8000-000000000000" }] }] }), 400, "invalidValue");
    expect((await scim("DELETE", `Groups/${gid}`)).status).toBe(204);
    expect((await scim("GET", `Groups/${gid}`)).status).toBe(404);
    expect((await events(gid)).at(-1)!.action).toBe("scim.group.deleted");
  });

  it("DELETE is the leaver flow (the person stays, inactive, for the evidence)", async () => {
    expect((await scim("DELETE", `Users/${userId}`)).status).toBe(204);
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } })).status).toBe("DEPROVISIONED");
    expect((await scim("GET", `Users/${userId}`)).body.active).toBe(false);
    expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
  });
});

describe("Entra's sequence", () => {
  let userId = "";
  it("creates, then finds by externalId", async () => {
    const out = await scim("POST", "Users", {
      schemas: [USER, ENT],
      externalId: "e-7f3a",
      userName: "ellen.entra@example.test",
      active: true,
      displayName: "Ellen Entra",
      emails: [{ primary: true, type: "work", value: "ellen.entra@example.test" }],
      name: { formatted: "Ellen Entra", familyName: "Entra", givenName: "Ellen" },
      [ENT]: { department: "Sales" },
    });
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    userId = out.body.id as string;
    const found = await scim("GET", `Users?filter=${encodeURIComponent('externalId eq "e-7f3a"')}`);
    expect(found.body.Resources!.map((r) => r.id)).toEqual([userId]);
  });

  it("patches the manager by the extension's path with a bare id, and department (a mover)", async () => {
    const out = await scim("PATCH", `Users/${userId}`, {
      schemas: [PATCH],
      Operations: [
        { op: "Add", path: `${ENT}:manager`, value: id.boss },
        { op: "Replace", path: `${ENT}:department`, value: "Finance" },
      ],
    });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({ managerId: id.boss, department: "Finance" });
    expect((await events(userId)).map((e) => e.action)).toContain("identity.moved");
  });

  it("patches active with the string \"False\" (Entra's shape): leaver", async () => {
    const out = await scim("PATCH", `Users/${userId}`, { schemas: [PATCH], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect((await db.prisma.identity.findUniqueOrThrow({ where: { id: userId } })).status).toBe("DEPROVISIONED");
  });

  it("removes a group member with Entra's value list", async () => {
    const g = await scim("POST", "Groups", { schemas: [GROUP], displayName: "Sales EMEA", externalId: "g-1", members: [{ value: id.boss }, { value: id.boss2 }] });
    const out = await scim("PATCH", `Groups/${g.body.id}`, { schemas: [PATCH], Operations: [{ op: "Remove", path: "members", value: [{ value: id.boss }] }] });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect((out.body.members as { value: string }[]).map((m) => m.value)).toEqual([id.boss2]);
  });
});

describe("refusals change nothing", () => {
  const body = { schemas: [USER], userName: "mallory@example.test", active: true };
  it("no token, a wrong token, a revoked and an expired one: 401", async () => {
    await refusedWithNothingChanged(() => scim("POST", "Users", body, { token: null }), 401);
    await refusedWithNothingChanged(() => scim("POST", "Users", body, { token: "wrt_guessed" }), 401);
    await refusedWithNothingChanged(() => scim("POST", "Users", body, { now: new Date(T0.getTime() + 91 * DAY) }), 401);
    const admin = callerAs(db.prisma, id.admin, () => T0);
    const other = await admin.scimClients.create({ displayName: "Revoked SCIM", ownerId: id.owner, purpose: "Soon revoked client", expiresAt: new Date(T0.getTime() + 30 * DAY) });
    await admin.scimClients.revoke({ tokenId: other.tokenId, reason: "Leaked" });
    await refusedWithNothingChanged(() => scim("POST", "Users", body, { token: other.token }), 401);
  });

  it("a rotated-out token is refused after the overlap; inside it, it works", async () => {
    const admin = callerAs(db.prisma, id.admin, () => T0);
    const c = await admin.scimClients.create({ displayName: "Rotated SCIM", ownerId: id.owner, purpose: "Rotation test client", expiresAt: new Date(T0.getTime() + 30 * DAY) });
    await admin.scimClients.rotate({ tokenId: c.tokenId, overlapHours: 1 });
    expect((await scim("GET", "ServiceProviderConfig", undefined, { token: c.token, now: new Date(T0.getTime() + 30 * 60_000) })).status).toBe(200);
    await refusedWithNothingChanged(() => scim("POST", "Users", body, { token: c.token, now: new Date(T0.getTime() + 2 * 3_600_000) }), 401);
  });

  it("malformed JSON, wrong schemas, unknown ops, huge filters, bad userName", async () => {
    await refusedWithNothingChanged(() => scim("POST", "Users", undefined, { raw: "{not json" }), 400, "invalidSyntax");
    await refusedWithNothingChanged(() => scim("POST", "Users", { schemas: ["urn:wrong"], userName: "x@example.test" }), 400);
    await refusedWithNothingChanged(() => scim("POST", "Users", { schemas: [USER], userName: "not-an-email" }), 400, "invalidValue");
    await refusedWithNothingChanged(() => scim("POST", "Users", [1, 2, 3]), 400);
    await refusedWithNothingChanged(() => scim("GET", `Users?filter=${encodeURIComponent(`userName eq "${"a".repeat(5000)}"`)}`), 400, "invalidFilter");
    await refusedWithNothingChanged(() => scim("GET", `Users?filter=${encodeURIComponent('title co "x"')}`), 400, "invalidFilter");
    await refusedWithNothingChanged(() => scim("GET", `Users?filter=${encodeURIComponent('userName eq "a" or userName eq "b"')}`), 400, "invalidFilter");
    await refusedWithNothingChanged(() => scim("GET", `Users?filter=${encodeURIComponent("((((")}`), 400, "invalidFilter");
    const u = await scim("POST", "Users", { schemas: [USER], userName: "patchee@example.test", active: true, unknownAttribute: 1 });
    expect(u.status).toBe(201);
    await refusedWithNothingChanged(() => scim("PATCH", `Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: "explode", path: "active", value: false }] }), 400);
    await refusedWithNothingChanged(() => scim("PATCH", `Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "id", value: "x" }] }), 400, "mutability");
    await refusedWithNothingChanged(() => scim("PATCH", `Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: 42 }] }), 400);
    await refusedWithNothingChanged(() => scim("PATCH", `Users/${u.body.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: `${ENT}:manager`, value: "not-a-user" }] }), 400, "invalidValue");
    await refusedWithNothingChanged(() => scim("POST", "Users", undefined, { raw: JSON.stringify({ schemas: [USER], userName: "big@example.test", title: "x".repeat(1024 * 1024) }) }), 413);
    await refusedWithNothingChanged(() => scim("GET", "Nope"), 404);
    await refusedWithNothingChanged(() => scim("POST", "Schemas", {}), 405);
  });

  it("hostile input on every endpoint: never a 5xx, never a stack, and nothing changes", async () => {
    const target = (await scim("POST", "Users", { schemas: [USER], userName: "fuzz.target@example.test", active: true })).body.id as string;
    const group = (await scim("POST", "Groups", { schemas: [GROUP], displayName: "Fuzz target" })).body.id as string;
    let deep: unknown = "x";
    for (let i = 0; i < 2000; i++) deep = { a: deep };
    const hostile: unknown[] = [
      null,
      42,
      "a string",
      [],
      { schemas: [USER] },
      { schemas: [USER], userName: "\u0000nul@example.test" },
      { schemas: [USER], userName: "bidi\u202e@example.test", displayName: 7 },
      { schemas: [USER, ENT], userName: "x@example.test", [ENT]: { manager: "not-an-object" } },
      { schemas: [USER], userName: "x@example.test", emails: "nope", active: "maybe" },
      { schemas: [GROUP], displayName: "", members: [{ value: 1 }] },
      { schemas: [PATCH], Operations: "nope" },
      { schemas: [PATCH], Operations: [{ op: "replace", path: 'emails[type eq "work"', value: "x" }] },
      { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: "nope" }] },
      { schemas: [PATCH], Operations: [null, 1, "x"] },
      deep,
    ];
    const paths = ["Users", `Users/${target}`, "Groups", `Groups/${group}`];
    for (const path of paths) {
      for (const method of path.includes("/") ? ["PUT", "PATCH"] : ["POST"]) {
        for (const body of hostile) {
          const before = await dbFingerprint(db.prisma);
          const out = await scim(method, path, undefined, { raw: JSON.stringify(body) });
          expect(out.status, `${method} ${path} ${JSON.stringify(body).slice(0, 120)} → ${JSON.stringify(out.body).slice(0, 300)}`).toBeLessThan(500);
          expect(out.status, `${method} ${path} ${JSON.stringify(body).slice(0, 120)}`).toBeGreaterThanOrEqual(400);
          expect(JSON.stringify(out.body)).not.toMatch(/prisma|SELECT|at .*\.ts:/i);
          await expectNothingChanged(db.prisma, { ...before, RateLimitCounter: (await dbFingerprint(db.prisma)).RateLimitCounter }, `${method} ${path} with a hostile body`);
        }
      }
    }
    for (const filter of ['userName eq "a" and (', "x".repeat(900), 'userName eq "\u0000"', "not (userName pr)", 'members[value eq "x"]']) {
      const out = await scim("GET", `Users?filter=${encodeURIComponent(filter)}`);
      expect(out.status, `${filter} → ${JSON.stringify(out.body).slice(0, 200)}`).toBeLessThan(500);
    }
    for (const q of ["startIndex=-5&count=-1", "startIndex=abc", "count=1e9", "startIndex=99999999"]) {
      expect((await scim("GET", `Users?${q}`)).status, q).toBeLessThan(500);
    }
  });

  it("pages with startIndex and count (at most 200)", async () => {
    const all = await scim("GET", "Users?count=1000");
    const total = all.body.totalResults as number;
    expect(total).toBeGreaterThan(3);
    expect(all.body.Resources!.length).toBe(Math.min(200, total));
    const page = await scim("GET", "Users?startIndex=2&count=2");
    expect(page.body).toMatchObject({ startIndex: 2, itemsPerPage: 2, totalResults: total });
    expect(page.body.Resources!.map((r) => r.id)).toEqual(all.body.Resources!.slice(1, 3).map((r) => r.id));
  });
});

describe.runIf(TEST_ENGINE === "postgres")("races (PostgreSQL)", () => {
  it("parallel POSTs of the same userName create one person, of the same group name one group; the others get 409 uniqueness", async () => {
    const a = openDb({ url: db.url! });
    const b = openDb({ url: db.url! });
    try {
      const post = (p: typeof a) =>
        handleScimRequest(
          p.prisma,
          new Request("http://portal.test/scim/v2/Users", { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ schemas: [USER], userName: "twin@example.test", active: true }) }),
          ["Users"],
          { now: new Date(T0.getTime() + 60_000) },
        );
      const outs = await Promise.all([post(a), post(b), post(a), post(b)]);
      expect(outs.map((o) => o.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await db.prisma.identity.count({ where: { email: "twin@example.test" } })).toBe(1);
      expect(await db.prisma.ledgerEvent.count({ where: { action: "identity.joined", payload: { path: ["email"], equals: "twin@example.test" } } })).toBe(1);
      const group = (p: typeof a) =>
        handleScimRequest(
          p.prisma,
          new Request("http://portal.test/scim/v2/Groups", { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ schemas: [GROUP], displayName: "Twins" }) }),
          ["Groups"],
          { now: new Date(T0.getTime() + 60_000) },
        );
      const groups = await Promise.all([group(a), group(b), group(a), group(b)]);
      expect(groups.map((o) => o.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await db.prisma.scimGroup.count({ where: { displayName: "Twins" } })).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
