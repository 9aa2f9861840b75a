import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";

let db: TestDb;
let viewerId: string;
const ids: Record<string, string> = {};

/*
 * A small directory with known answers:
 *   Alice Archer   HUMAN  Engineering  ACTIVE        2 grants in effect + 1 revoked
 *   Bob Baker      HUMAN  Finance      ACTIVE        0
 *   carol Cruz     HUMAN  engineering  SUSPENDED     1  (department spelled in lower case on purpose)
 *   Dan Drake      HUMAN  (none)       DEPROVISIONED 0
 *   svc-payments   SERVICE_ACCOUNT     ACTIVE        3 (owner Alice, purpose mentions "ledger")
 *   key_50%        API_KEY             SUSPENDED     0 (owner Bob; LIKE wildcards in the name)
 *   agent-triage   AI_AGENT            ACTIVE        1 (owner Alice)
 *   Viewer         HUMAN  Support      ACTIVE        0 (the caller, an auditor)
 */
beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  // An auditor: the directory's counts and email search are for those who see everyone's access (access-visibility).
  const viewer = await makeHuman(p, { name: "Viewer Vance", department: "Support", roles: ["AUDITOR"] });
  viewerId = viewer.id;
  const alice = await makeHuman(p, { name: "Alice Archer", department: "Engineering" });
  const bob = await makeHuman(p, { name: "Bob Baker", department: "Finance", managerId: alice.id });
  const carol = await makeHuman(p, { name: "carol Cruz", department: "engineering", status: "SUSPENDED" });
  const dan = await makeHuman(p, { name: "Dan Drake", status: "DEPROVISIONED" });
  await p.identity.update({ where: { id: dan.id }, data: { department: null } });
  const svc = await makeNhi(p, alice.id, { name: "svc-payments" });
  await p.identity.update({ where: { id: svc.id }, data: { purpose: "Posts settlements to the general LEDGER every night" } });
  const key = await makeNhi(p, bob.id, { kind: "API_KEY", name: "key_50%" });
  await p.identity.update({ where: { id: key.id }, data: { status: "SUSPENDED" } });
  const agent = await makeNhi(p, alice.id, { kind: "AI_AGENT", name: "agent-triage" });
  Object.assign(ids, { alice: alice.id, bob: bob.id, carol: carol.id, dan: dan.id, svc: svc.id, key: key.id, agent: agent.id, viewer: viewer.id });

  const sys = await makeSystem(p, alice.id);
  const ents = await Promise.all([1, 2, 3, 4].map(() => makeEntitlement(p, sys.id)));
  await makeGrant(p, alice.id, ents[0].id);
  const pendingRevoke = await makeGrant(p, alice.id, ents[1].id);
  await p.grant.update({ where: { id: pendingRevoke.id }, data: { status: "PENDING_REVOKE" } });
  const revoked = await makeGrant(p, alice.id, ents[2].id);
  await p.grant.update({ where: { id: revoked.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
  const pendingProvision = await makeGrant(p, bob.id, ents[3].id);
  await p.grant.update({ where: { id: pendingProvision.id }, data: { status: "PENDING_PROVISION" } });
  await makeGrant(p, carol.id, ents[0].id);
  for (const e of ents.slice(0, 3)) await makeGrant(p, svc.id, e.id);
  await makeGrant(p, agent.id, ents[3].id);
});
afterAll(async () => {
  await db.close();
});

const api = () => callerAs(db.prisma, viewerId);
const names = (rows: { displayName: string }[]) => rows.map((r) => r.displayName);

describe("identities.list", () => {
  it("is open to every signed-in employee and refuses the signed-out", async () => {
    const page = await api().identities.list({});
    expect(page.total).toBe(8);
    await expect(callerAs(db.prisma, null).identities.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("sorts by name by default and pages stably", async () => {
    const all = await api().identities.list({ size: 200 });
    // Case-insensitive: "agent-triage" before "Alice Archer", "carol Cruz" between "Bob" and "Dan".
    expect(names(all.rows)).toEqual(["agent-triage", "Alice Archer", "Bob Baker", "carol Cruz", "Dan Drake", "key_50%", "svc-payments", "Viewer Vance"]);
    const desc = await api().identities.list({ size: 200, dir: "desc" });
    expect(names(desc.rows)).toEqual(names(all.rows).reverse());
    const p1 = await api().identities.list({ size: 5, page: 1 });
    const p2 = await api().identities.list({ size: 5, page: 2 });
    expect(p1.rows).toHaveLength(5);
    expect(p2.rows).toHaveLength(3);
    expect(p1.total).toBe(8);
    expect(p2.total).toBe(8);
    expect([...names(p1.rows), ...names(p2.rows)]).toEqual(names(all.rows));
    const beyond = await api().identities.list({ size: 5, page: 3 });
    expect(beyond.rows).toEqual([]);
    expect(beyond.total).toBe(8);
  });

  it("counts only grants whose access is in effect (active, pending or failed revocation)", async () => {
    const { rows } = await api().identities.list({ size: 200 });
    const count = Object.fromEntries(rows.map((r) => [r.id, r.activeGrantCount]));
    expect(count[ids.alice]).toBe(2); // ACTIVE + PENDING_REVOKE; the REVOKED one is not counted
    expect(count[ids.bob]).toBe(0); // PENDING_PROVISION is not access yet
    expect(count[ids.carol]).toBe(1);
    expect(count[ids.svc]).toBe(3);
  });

  it("sorts by active grant count, both directions, ties by name", async () => {
    const desc = await api().identities.list({ sort: "grants", dir: "desc", size: 200 });
    expect(names(desc.rows).slice(0, 4)).toEqual(["svc-payments", "Alice Archer", "agent-triage", "carol Cruz"]);
    expect(desc.rows.map((r) => r.activeGrantCount)).toEqual([3, 2, 1, 1, 0, 0, 0, 0]);
    const asc = await api().identities.list({ sort: "grants", dir: "asc", size: 5, page: 2 });
    expect(names(asc.rows)).toEqual(["carol Cruz", "Alice Archer", "svc-payments"]);
  });

  it("sorts by department (case-insensitive, none last, ties by name), and by kind and status", async () => {
    const dept = await api().identities.list({ sort: "department", kind: "HUMAN", size: 200 });
    expect(names(dept.rows)).toEqual(["Alice Archer", "carol Cruz", "Bob Baker", "Viewer Vance", "Dan Drake"]);
    const deptDesc = await api().identities.list({ sort: "department", dir: "desc", kind: "HUMAN", size: 200 });
    expect(names(deptDesc.rows)).toEqual(["Viewer Vance", "Bob Baker", "Alice Archer", "carol Cruz", "Dan Drake"]);
    const kind = await api().identities.list({ sort: "kind", size: 200 });
    expect(kind.rows.map((r) => r.kind)).toEqual(["HUMAN", "HUMAN", "HUMAN", "HUMAN", "HUMAN", "SERVICE_ACCOUNT", "API_KEY", "AI_AGENT"]);
    const status = await api().identities.list({ sort: "status", dir: "desc", size: 200 });
    expect(status.rows[0].status).toBe("DEPROVISIONED");
    expect(status.rows.at(-1)!.status).toBe("ACTIVE");
  });

  it("filters by kind, non-human, department and status, and counts the filtered total", async () => {
    const people = await api().identities.list({ kind: "HUMAN" });
    expect(people.total).toBe(5);
    const nhis = await api().identities.list({ kind: "NON_HUMAN", size: 200 });
    expect(nhis.total).toBe(3);
    expect(names(nhis.rows)).toEqual(["agent-triage", "key_50%", "svc-payments"]);
    expect(nhis.rows.find((r) => r.id === ids.svc)).toMatchObject({ ownerId: ids.alice, ownerName: "Alice Archer", managerName: null });
    const keys = await api().identities.list({ kind: "API_KEY" });
    expect(names(keys.rows)).toEqual(["key_50%"]);
    const eng = await api().identities.list({ department: "Engineering" });
    expect(names(eng.rows)).toEqual(["Alice Archer"]);
    const suspended = await api().identities.list({ status: "SUSPENDED", kind: "NON_HUMAN" });
    expect(names(suspended.rows)).toEqual(["key_50%"]);
    expect(names((await api().identities.list({ manager: ids.alice })).rows)).toEqual(["Bob Baker"]);
    expect(names((await api().identities.list({ owner: ids.alice })).rows)).toEqual(["agent-triage", "svc-payments"]);
    const bob = (await api().identities.list({ q: "bob" })).rows[0];
    expect(bob).toMatchObject({ managerId: ids.alice, managerName: "Alice Archer", ownerName: null, department: "Finance" });
  });

  it("searches name, email, department and purpose case-insensitively, with LIKE wildcards taken literally", async () => {
    expect(names((await api().identities.list({ q: "ALICE" })).rows)).toEqual(["Alice Archer"]);
    expect(names((await api().identities.list({ q: "engineer", size: 200 })).rows)).toEqual(["Alice Archer", "carol Cruz"]);
    expect(names((await api().identities.list({ q: "ledger" })).rows)).toEqual(["svc-payments"]);
    expect((await api().identities.list({ q: "@example.test" })).total).toBe(5);
    expect(names((await api().identities.list({ q: "50%" })).rows)).toEqual(["key_50%"]);
    expect(names((await api().identities.list({ q: "y_5" })).rows)).toEqual(["key_50%"]);
    expect((await api().identities.list({ q: "%" })).total).toBe(1);
    expect((await api().identities.list({ q: "nobody-matches-this" })).total).toBe(0);
    // Search, filter and the grant sort compose.
    const combined = await api().identities.list({ q: "a", kind: "NON_HUMAN", status: "ACTIVE", sort: "grants", dir: "desc" });
    expect(names(combined.rows)).toEqual(["svc-payments", "agent-triage"]);
  });

  it("rejects unknown filters, sorts and page sizes with a message naming the field", async () => {
    await expect(api().identities.list({ sort: "email" as never })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("sort") });
    await expect(api().identities.list({ kind: "ROBOT" as never })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("kind") });
    await expect(api().identities.list({ size: 1000 })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("size") });
    await expect(api().identities.list({ ownerId: ids.alice } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api().identities.list({ manager: "me" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("manager must be a valid id") });
  });
});

describe("identities.facets", () => {
  it("lists departments in use and counts by kind and status", async () => {
    const f = await api().identities.facets();
    expect(f.departments.map((d) => d.value.toLowerCase())).toEqual(["engineering", "engineering", "finance", "support"]);
    expect(f.departments).toEqual(expect.arrayContaining([{ value: "Engineering", count: 1 }, { value: "engineering", count: 1 }]));
    expect(f.kinds).toEqual([
      { value: "HUMAN", count: 5 },
      { value: "SERVICE_ACCOUNT", count: 1 },
      { value: "API_KEY", count: 1 },
      { value: "AI_AGENT", count: 1 },
    ]);
    expect(Object.fromEntries(f.statuses.map((s) => [s.value, s.count]))).toEqual({ ACTIVE: 5, SUSPENDED: 2, DEPROVISIONED: 1 });
  });
});
