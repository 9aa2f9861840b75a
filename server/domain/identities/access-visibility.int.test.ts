/**
 * Reads are no broader than the job needs: another person's grants and history are visible to them, their
 * manager, the owners of what they hold (that part only), security, admins and auditors; everyone else sees
 * the profile. The directory shows emails and access counts on the same terms, and neither a search nor a
 * sort can reveal them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman, makeNhi, makeSystem } from "../../testing/factories";

let t: TestDb;
let p: Awaited<ReturnType<typeof scene>>;

async function scene(db: TestDb["prisma"]) {
  const manager = await makeHuman(db, { name: "Mina Manager" });
  const holder = await makeHuman(db, { name: "Hugo Holder", managerId: manager.id });
  const colleague = await makeHuman(db, { name: "Cleo Colleague", managerId: manager.id });
  const ownerA = await makeHuman(db, { name: "Olga OwnerOfA" });
  const entOwner = await makeHuman(db, { name: "Eli EntitlementOwner" });
  const admin = await makeHuman(db, { roles: ["ADMIN"] });
  const security = await makeHuman(db, { roles: ["SECURITY"] });
  const auditor = await makeHuman(db, { roles: ["AUDITOR"] });
  const sysA = await makeSystem(db, ownerA.id, { name: "Alpha" });
  const sysB = await makeSystem(db, admin.id, { name: "Beta" });
  const a1 = await makeEntitlement(db, sysA.id, { name: "alpha:read" });
  const b1 = await makeEntitlement(db, sysB.id, { name: "beta:write", ownerId: entOwner.id });
  const b2 = await makeEntitlement(db, sysB.id, { name: "beta:read" });
  await makeGrant(db, holder.id, a1.id);
  await makeGrant(db, holder.id, b1.id);
  await makeGrant(db, holder.id, b2.id);
  const revoked = await makeGrant(db, holder.id, a1.id);
  await db.grant.update({ where: { id: revoked.id }, data: { status: "REVOKED", revokedAt: new Date(), revocationCause: "MANUAL" } });
  const bot = await makeNhi(db, colleague.id, { name: "svc-colleague-bot" });
  await makeGrant(db, bot.id, b2.id);
  return { manager, holder, colleague, ownerA, entOwner, admin, security, auditor, a1, b1, b2, bot };
}

beforeAll(async () => {
  t = await createTestDb();
  p = await scene(t.prisma);
});
afterAll(() => t.close());

const view = (viewerId: string, id: string) => callerAs(t.prisma, viewerId).identities.byId({ id });
const names = (grants: { entitlement: { name: string } }[]) => grants.map((g) => g.entitlement.name).sort();

describe("one identity's access", () => {
  it("the person, their manager, security, admins and auditors see all of it, with the email", async () => {
    for (const who of [p.holder, p.manager, p.security, p.admin, p.auditor]) {
      const d = await view(who.id, p.holder.id);
      expect(d.accessView).toBe("all");
      expect(names(d.grants.current)).toEqual(["alpha:read", "beta:read", "beta:write"]);
      expect(d.grants.historyCount).toBe(1);
      expect(d.email).toBe(p.holder.email);
    }
  });

  it("a system owner sees only the grants of what they own; an entitlement owner only theirs", async () => {
    const a = await view(p.ownerA.id, p.holder.id);
    expect(a.accessView).toBe("owned");
    expect(names(a.grants.current)).toEqual(["alpha:read"]);
    expect(a.grants.historyCount).toBe(1);
    const e = await view(p.entOwner.id, p.holder.id);
    expect(names(e.grants.current)).toEqual(["beta:write"]);
    expect(e.grants.historyCount).toBe(0);
  });

  it("a colleague sees the profile only: no grants, no history, no email", async () => {
    const d = await view(p.colleague.id, p.holder.id);
    expect(d).toMatchObject({ accessView: "none", email: null, displayName: "Hugo Holder", department: "Engineering", manager: { id: p.manager.id } });
    expect(d.grants).toEqual({ current: [], history: [], historyCount: 0 });
  });

  it("a non-human identity's access is seen by its accountable owner, not by the owner's colleagues", async () => {
    expect(names((await view(p.colleague.id, p.bot.id)).grants.current)).toEqual(["beta:read"]);
    expect((await view(p.holder.id, p.bot.id)).grants.current).toEqual([]);
  });
});

describe("the directory", () => {
  const list = (viewerId: string, input: Record<string, unknown> = {}) => callerAs(t.prisma, viewerId).identities.list({ size: 100, ...input });

  it("shows emails and access counts to those who see everyone's access, and otherwise only for oneself, one's reports and one's identities", async () => {
    const byName = (rows: { displayName: string; email: string | null; activeGrantCount: number | null }[], n: string) => rows.find((r) => r.displayName === n)!;
    const asAuditor = (await list(p.auditor.id)).rows;
    expect(byName(asAuditor, "Hugo Holder")).toMatchObject({ email: p.holder.email, activeGrantCount: 3 });
    const asColleague = (await list(p.colleague.id)).rows;
    expect(byName(asColleague, "Hugo Holder")).toMatchObject({ email: null, activeGrantCount: null });
    expect(byName(asColleague, "Cleo Colleague")).toMatchObject({ email: p.colleague.email, activeGrantCount: 0 });
    expect(byName(asColleague, "svc-colleague-bot")).toMatchObject({ activeGrantCount: 1 });
    const asManager = (await list(p.manager.id)).rows;
    expect(byName(asManager, "Hugo Holder")).toMatchObject({ email: p.holder.email, activeGrantCount: 3 });
  });

  it("a search by email finds nobody for an employee (no existence oracle), and the person for an auditor", async () => {
    const term = p.holder.email!.split("@")[0]!;
    expect((await list(p.colleague.id, { q: term })).total).toBe(0);
    expect((await list(p.auditor.id, { q: term })).rows.map((r) => r.displayName)).toEqual(["Hugo Holder"]);
    // A name still finds them.
    expect((await list(p.colleague.id, { q: "Hugo" })).rows.map((r) => r.displayName)).toEqual(["Hugo Holder"]);
  });

  it("sorting by access held is by name for an employee (the order would reveal the counts)", async () => {
    const byGrants = (await list(p.colleague.id, { sort: "grants", dir: "desc" })).rows.map((r) => r.displayName);
    const byName = (await list(p.colleague.id, { sort: "displayName", dir: "desc" })).rows.map((r) => r.displayName);
    expect(byGrants).toEqual(byName);
    const forAuditor = (await list(p.auditor.id, { sort: "grants", dir: "desc" })).rows;
    expect(forAuditor[0]!.displayName).toBe("Hugo Holder");
  });
});
