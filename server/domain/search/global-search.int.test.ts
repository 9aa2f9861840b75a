/**
 * search.global: across people, systems, entitlements, requests and campaigns, through each area's own
 * visibility: an employee finds their own request but not a colleague's, and no campaign they neither own
 * nor review; an auditor finds both requests and the campaign. At most SEARCH_PER_KIND per kind; a term of
 * one character or over 100 is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import { requestCast, submitInput, type RequestCast } from "../requests/request-test-kit";
import { makeCampaign } from "../campaigns/campaign-test-kit";
import { SEARCH_PER_KIND } from "./schema";

let db: TestDb;
let c: RequestCast;

beforeAll(async () => {
  db = await createTestDb();
  await db.prisma.identity.count();
  c = await requestCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

describe("search.global", () => {
  it("finds each kind, within what the caller may see", async () => {
    const sys = await makeSystem(db.prisma, c.owner.id, { name: "Zephyr Vault" });
    const ent = await makeEntitlement(db.prisma, sys.id, { name: "zephyr-read" });
    await makeHuman(db.prisma, { name: "Zelda Zephyrine" });
    const mine = await c.as.employee.requests.submit(submitInput(ent.id));
    const theirs = await c.as.peer.requests.submit(submitInput(ent.id));
    const camp = await makeCampaign(db.prisma, { ownerId: c.admin.id, fallbackReviewerId: c.admin.id, name: "Zephyr quarterly review" });

    const emp = await c.as.employee.search.global({ q: "zephyr" });
    expect(emp.people.map((p) => p.title)).toContain("Zelda Zephyrine");
    expect(emp.systems).toEqual([expect.objectContaining({ id: sys.id, href: `/catalog/systems/${sys.id}` })]);
    expect(emp.entitlements.map((e) => e.id)).toEqual([ent.id]);
    expect(emp.requests.map((r) => r.id)).toEqual([mine.id]);
    expect(emp.campaigns).toEqual([]);

    const aud = await c.as.auditor.search.global({ q: "Zephyr" });
    expect(aud.requests.map((r) => r.id).sort()).toEqual([mine.id, theirs.id].sort());
    expect(aud.campaigns.map((x) => x.id)).toEqual([camp.id]);
  });

  it("returns at most SEARCH_PER_KIND of each kind", async () => {
    for (let i = 0; i < SEARCH_PER_KIND + 2; i++) await makeHuman(db.prisma, { name: `Quokka Person ${i}` });
    const r = await c.as.employee.search.global({ q: "quokka" });
    expect(r.people).toHaveLength(SEARCH_PER_KIND);
  });

  it("refuses a term shorter than 2 or longer than 100 characters", async () => {
    await expect(c.as.employee.search.global({ q: "z" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.as.employee.search.global({ q: "z".repeat(101) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
