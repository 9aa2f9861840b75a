/**
 * Each control check is stated twice (controls.ts): as a Prisma filter with a JavaScript verdict per row
 * (what the evidence pack's controls file walks), and as SQL (what counts a million members and finds the
 * first exceptions in one statement). This test holds the two equal over a population drawn at random
 * across every status, origin, owner state and date that the checks look at, under several scopes: same
 * population, same exceptions, same flagged members, id for id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantOrigin, GrantStatus, IdentityStatus, RemediationStatus } from "../../db/generated/client";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { DAY, submitInput } from "../requests/request-test-kit";
import { makeCampaign, makeItem } from "../campaigns/campaign-test-kit";
import { approvedAndProvisioned, auditScene, type AuditScene } from "./audit-test-kit";
import { CONTROL_IDS_IN_ORDER, controlChecksOverview, controlMembers, controlMembersAt, controlPopulation, countControlPopulation, summarizeControlCheck, type ControlScopeOpts } from "./controls";
import { mulberry32 } from "./sampling";
import type { ControlId } from "./schema";

let db: TestDb;
let s: AuditScene;
let now: Date;
/** A system whose name a naive SQL array literal would break (a comma, quotes, a brace). */
const OTHER = 'Billing, "EU" {legacy}';

const GRANT_STATUSES: GrantStatus[] = ["PENDING_PROVISION", "ACTIVE", "PENDING_REVOKE", "REVOKED", "PROVISION_FAILED", "REVOKE_FAILED"];
const ORIGINS: GrantOrigin[] = ["REQUEST", "IMPORTED", "BREAK_GLASS"];
const REMEDIATIONS: RemediationStatus[] = ["NONE", "PENDING", "CONFIRMED", "FAILED"];
const PERSON_STATUSES: IdentityStatus[] = ["ACTIVE", "SUSPENDED", "DEPROVISIONED"];

beforeAll(async () => {
  db = await createTestDb();
  s = await auditScene(db.prisma);
  const c = s.c;
  now = c.clock.now();
  const rnd = mulberry32(20261204);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const daysFromNow = (lo: number, hi: number) => new Date(now.getTime() + Math.round((lo + rnd() * (hi - lo)) * DAY));

  const other = await makeSystem(db.prisma, c.owner.id, { name: OTHER });
  const entitlements = [c.low.id, c.medium.id, c.high.id, c.critical.id, (await makeEntitlement(db.prisma, other.id, { name: "ledger-read" })).id, (await makeEntitlement(db.prisma, other.id, { name: "ledger-write" })).id];
  const holders = [c.employee.id, c.peer.id, c.loner.id, c.director.id];

  // Another approved request (its two approved steps get deciders below); requests in other states than
  // APPROVED, for grants to point at: one pending, one cancelled.
  await approvedAndProvisioned(db.prisma, c, "peer");
  const pending = await c.as.loner.requests.submit(submitInput(c.medium.id));
  const cancelled = await c.as.peer.requests.submit(submitInput(c.high.id));
  await c.as.peer.requests.cancel({ id: cancelled.id, expectedRevision: cancelled.revision });
  const requestsLeft = [pending.id, cancelled.id];

  // Grants: every status × origin, dates on both sides of now, with and without a request. (At most one
  // emergency grant in effect per holder and entitlement: the database holds that.)
  const emergency = new Set<string>();
  for (let i = 0; i < 90; i++) {
    const status = pick(GRANT_STATUSES);
    const revoked = status === "REVOKED" || rnd() < 0.2;
    const [identityId, entitlementId] = [pick(holders), pick(entitlements)];
    let origin = pick(ORIGINS);
    if (origin === "BREAK_GLASS" && (status === "ACTIVE" || status === "PENDING_PROVISION")) {
      if (emergency.has(`${identityId} ${entitlementId}`)) origin = "REQUEST";
      else emergency.add(`${identityId} ${entitlementId}`);
    }
    await db.prisma.grant.create({
      data: {
        identityId,
        entitlementId,
        status,
        origin,
        requestId: null,
        startsAt: daysFromNow(-60, 10),
        expiresAt: rnd() < 0.6 ? daysFromNow(-40, 20) : null,
        revokedAt: revoked ? daysFromNow(-50, 0) : null,
      },
    });
  }
  // Request grants in effect whose request is not approved (exceptions), and an imported one pointing at one (flagged only).
  for (const [k, requestId] of requestsLeft.entries())
    await db.prisma.grant.create({ data: { identityId: c.director.id, entitlementId: entitlements[k]!, status: "ACTIVE", origin: k === 0 ? "REQUEST" : "BREAK_GLASS", requestId, startsAt: now } });
  const third = await c.as.employee.requests.submit(submitInput(c.low.id));
  await db.prisma.grant.create({ data: { identityId: c.employee.id, entitlementId: c.critical.id, status: "ACTIVE", origin: "IMPORTED", requestId: third.id, startsAt: now } });
  // Members on the scopes' edges (each bound is inclusive but the expiry's "before now").
  const edge = (data: { startsAt?: Date; revokedAt?: Date; expiresAt?: Date; status?: GrantStatus }) =>
    db.prisma.grant.create({ data: { identityId: c.loner.id, entitlementId: c.low.id, status: "ACTIVE", origin: "REQUEST", startsAt: new Date(now.getTime() - 90 * DAY), ...data } });
  await edge({ revokedAt: new Date(now.getTime() - 20 * DAY), status: "REVOKED" });
  await edge({ startsAt: new Date(now.getTime() - 5 * DAY) });
  await edge({ expiresAt: new Date(now.getTime() - 20 * DAY) });
  await edge({ expiresAt: now });

  // Non-human identities: owners active, suspended or gone; some running in the other system, some holding access there.
  const owners = await Promise.all(PERSON_STATUSES.map((status) => makeHuman(db.prisma, { name: `Owner ${status}`, status })));
  for (let i = 0; i < 24; i++) {
    const nhi = await makeNhi(db.prisma, pick(owners).id, { name: `svc-${i}` });
    await db.prisma.identity.update({ where: { id: nhi.id }, data: { status: pick(PERSON_STATUSES), systemId: rnd() < 0.3 ? other.id : null } });
    if (rnd() < 0.3) await db.prisma.grant.create({ data: { identityId: nhi.id, entitlementId: pick(entitlements.slice(4)), status: "ACTIVE", origin: "IMPORTED", startsAt: now } });
  }

  // Revoke decisions in campaigns of every status, closed at different times, remediated or not.
  for (const status of ["CLOSED", "REMEDIATING", "ACTIVE"] as const) {
    for (let k = 0; k < 2; k++) {
      const campaign = await makeCampaign(db.prisma, { ownerId: c.owner.id, fallbackReviewerId: c.director.id, status });
      if (status !== "ACTIVE") await db.prisma.campaign.update({ where: { id: campaign.id }, data: { closedAt: daysFromNow(-40, -1) } });
      for (let j = 0; j < 6; j++) {
        const g = await db.prisma.grant.create({ data: { identityId: pick(holders), entitlementId: pick(entitlements), status: pick(GRANT_STATUSES), origin: "IMPORTED", startsAt: daysFromNow(-90, -60) } });
        const item = await makeItem(db.prisma, campaign.id, g.id, c.manager.id, { decision: rnd() < 0.8 ? "REVOKE" : "KEEP", comment: "decided" });
        await db.prisma.reviewItem.update({ where: { id: item.id }, data: { remediation: pick(REMEDIATIONS) } });
      }
    }
  }

  // Approved steps decided by the requester, the beneficiary, the beneficiary's owner or someone else, at different times.
  await db.rawSql(`ALTER TABLE "ApprovalStep" DROP CONSTRAINT "ApprovalStep_no_self_decision"`);
  const steps = await db.prisma.approvalStep.findMany({ where: { status: "APPROVED" }, orderBy: { id: "asc" } });
  expect(steps.length).toBeGreaterThanOrEqual(4);
  const used = new Set<string>(); // one decision per person per request (a unique index)
  for (const [n, st] of steps.entries()) {
    const candidates = [st.requesterId, st.beneficiaryId, c.director.id, c.manager.id, c.security.id];
    const who = [...candidates.slice(n % 3), ...candidates.slice(0, n % 3)].find((p) => !used.has(`${st.requestId} ${p}`))!;
    used.add(`${st.requestId} ${who}`);
    // The last step's decider is also recorded as the beneficiary's owner (the check must see that role too).
    await db.prisma.approvalStep.update({ where: { id: st.id }, data: { decidedById: who, decidedAt: daysFromNow(-30, 0), beneficiaryOwnerId: n === steps.length - 1 ? who : st.beneficiaryOwnerId } });
  }
}, 180_000);
afterAll(async () => {
  await db.close();
});

/** What the row verdicts say: the population, exceptions and flagged, by walking every member. */
async function byWalk(id: ControlId, scope: ControlScopeOpts) {
  const out = { population: [] as string[], exceptions: [] as string[], flagged: [] as string[] };
  for await (const page of controlPopulation(db.prisma, id, { ...scope, batchSize: 7 })) {
    for (const r of page) {
      out.population.push(r.id);
      if (r.exception) out.exceptions.push(r.id);
      if (r.flag) out.flagged.push(r.id);
    }
  }
  return out;
}
async function bySql(id: ControlId, scope: ControlScopeOpts) {
  const list = async (which: "exception" | "flagged", listBy?: "sql" | "rows") => {
    const ids: string[] = [];
    for await (const page of controlMembers(db.prisma, id, which, { ...scope, batchSize: 3, listBy })) ids.push(...page.map((r) => r.id));
    return ids;
  };
  // Listed by SQL verdicts; and as the CSV and the pack list them (SQL or rows, by how dense), which must agree.
  const exceptions = await list("exception", "sql");
  const flagged = await list("flagged", "sql");
  expect(await list("exception"), `${id} exceptions as listed`).toEqual(exceptions);
  expect(await list("flagged"), `${id} flagged as listed`).toEqual(flagged);
  expect(await list("exception", "rows"), `${id} exceptions by rows`).toEqual(exceptions);
  return { summary: await summarizeControlCheck(db.prisma, id, scope), exceptions, flagged };
}

describe(`control checks: the SQL verdicts equal the row verdicts (${TEST_ENGINE})`, () => {
  const scopes: [string, () => ControlScopeOpts][] = [
    ["no scope", () => ({ now })],
    ["from 20 days back", () => ({ now, from: new Date(now.getTime() - 20 * DAY) })],
    ["to 5 days back", () => ({ now, to: new Date(now.getTime() - 5 * DAY) })],
    ["a period ending after now", () => ({ now, from: new Date(now.getTime() - 35 * DAY), to: new Date(now.getTime() + 30 * DAY) })],
    ["the other system", () => ({ now, systemNames: [OTHER] })],
    ["both systems, from 30 days back", () => ({ now, systemNames: [OTHER, "Payments Ledger"], from: new Date(now.getTime() - 30 * DAY) })],
    ["UTC days as text", () => ({ now, from: new Date(now.getTime() - 25 * DAY).toISOString().slice(0, 10), to: now.toISOString().slice(0, 10) })],
  ];
  const seen = { exceptions: 0, flagged: 0, narrowed: 0 };

  for (const [name, scope] of scopes) {
    it(`${name}: same population, exceptions and flagged members, for every check`, async () => {
      for (const id of CONTROL_IDS_IN_ORDER) {
        const walk = await byWalk(id, scope());
        const sql = await bySql(id, scope());
        expect(sql.summary.population.count, `${id} population`).toBe(walk.population.length);
        expect(await countControlPopulation(db.prisma, id, scope()), `${id} count`).toBe(walk.population.length);
        expect(sql.summary.exceptionCount, `${id} exceptions`).toBe(walk.exceptions.length);
        expect(sql.summary.flaggedCount, `${id} flagged`).toBe(walk.flagged.length);
        expect(sql.exceptions, `${id} exception ids`).toEqual(walk.exceptions);
        expect(sql.flagged, `${id} flagged ids`).toEqual(walk.flagged);
        // Members by position of the population in id order (what samples read): the same as the walk's.
        const positions = [0, 3, 10, walk.population.length - 1, walk.population.length, walk.population.length + 5].filter((p) => p >= 0);
        const at = await controlMembersAt(db.prisma, id, positions, scope());
        expect(Object.fromEntries([...at].map(([p, r]) => [p, r.id])), `${id} positions`).toEqual(
          Object.fromEntries(positions.filter((p) => p < walk.population.length).map((p) => [p, walk.population[p]])),
        );
        seen.exceptions += walk.exceptions.length;
        seen.flagged += walk.flagged.length;
        if (name !== "no scope" && walk.population.length < (await byWalk(id, { now })).population.length) seen.narrowed++;
      }
      const overview = await controlChecksOverview(db.prisma, { ...scope(), limit: 4 });
      for (const o of overview) {
        const walk = await byWalk(o.id, scope());
        expect(o.exceptions.map((r) => r.id), `${o.id} overview`).toEqual(walk.exceptions.slice(0, 4));
        expect(o.flagged.map((r) => r.id), `${o.id} overview`).toEqual(walk.flagged.slice(0, 4));
      }
    });
  }

  it("a list that does not come to its count is an error, never a short list (either way of listing)", async () => {
    const counted = await summarizeControlCheck(db.prisma, "nhi-owned", { now });
    expect(counted.exceptionCount).toBeGreaterThan(0);
    for (const listBy of ["sql", "rows"] as const) {
      const drained = async () => {
        for await (const _ of controlMembers(db.prisma, "nhi-owned", "exception", { now, listBy, counted: { ...counted, exceptionCount: counted.exceptionCount + 1 } }));
      };
      await expect(drained()).rejects.toThrow(`counted ${counted.exceptionCount + 1} exception members but listed ${counted.exceptionCount}`);
    }
  });

  it("the drawn population really exercises the checks: exceptions and flagged members in every check that has them, scopes that narrow", async () => {
    expect(seen.exceptions).toBeGreaterThan(50);
    expect(seen.flagged).toBeGreaterThan(20);
    expect(seen.narrowed).toBeGreaterThan(10);
    for (const id of CONTROL_IDS_IN_ORDER) {
      const walk = await byWalk(id, { now });
      expect(walk.exceptions.length, id).toBeGreaterThan(0);
      expect(walk.population.length - walk.exceptions.length, id).toBeGreaterThan(0);
    }
  });
});
