/**
 * The race suite: at least 50 calls at once on the same objects, through several "portal instances"
 * (Prisma clients with their own pools) on PostgreSQL, then the invariants: no separation-of-duties pair
 * held, at most one open request per identity and entitlement, at most one grant per request, emergency
 * access never over its bound, one outcome per decision, nothing decided after it was closed, and a ledger
 * that verifies. Every call either succeeds or is refused with a clear code: never a 500 or a deadlock.
 *
 * PostgreSQL only: the embedded database runs one transaction at a time, so no race can happen there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle, PrismaClient } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { callerAs, makeEntitlement, makeGrant, makeHuman } from "../testing/factories";
import { expectCleanRace, expectRefusedOnlyWith, moreInstances, race } from "../testing/race-kit";
import { coreCast, definition } from "./campaigns/core-test-kit";
import { HOUR, requestCast, submitInput, type RequestCast } from "./requests/request-test-kit";
import { EMERGENCY_MAX_HOURS } from "./requests/schema";

const N = 50;

describe.skipIf(TEST_ENGINE !== "postgres")("races on PostgreSQL", () => {
  let t: TestDb;
  let extra: DbHandle[];
  let dbs: PrismaClient[];
  let c: RequestCast;
  let db: PrismaClient;

  beforeAll(async () => {
    t = await createTestDb();
    db = t.prisma;
    extra = moreInstances(t.url!, 3);
    dbs = [db, ...extra.map((h) => h.prisma)];
    c = await requestCast(db);
  });
  afterAll(async () => {
    await Promise.all(extra.map((h) => h.close()));
    await t.close();
  });

  const now = () => c.clock.now();
  const pendingFor = (beneficiaryId: string, entitlementId: string) => db.accessRequest.count({ where: { beneficiaryId, entitlementId, status: "PENDING" } });

  it("50 identical submits: one pending request, the rest CONFLICT", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-identical" });
    const tally = await race(dbs, N, (_i, as) => as(c.employee.id).requests.submit(submitInput(ent.id)), now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expectRefusedOnlyWith(tally, ["CONFLICT"]);
    expect(await pendingFor(c.employee.id, ent.id)).toBe(1);
  });

  it("50 emergency submits split over both halves of a separation-of-duties pair: at most one half is ever granted", async () => {
    const initiate = await makeEntitlement(db, c.system.id, { name: "race-refund-initiate", risk: "HIGH" });
    const approve = await makeEntitlement(db, c.system.id, { name: "race-refund-approve", risk: "HIGH" });
    await db.conflictRule.create({ data: { entitlementAId: initiate.id, entitlementBId: approve.id, reason: "Initiate and approve refunds" } });
    const person = await makeHuman(db, { name: "Sod Racer", managerId: c.manager.id });
    const tally = await race(dbs, N, (i, as) => as(person.id).requests.submit(submitInput(i % 2 ? initiate.id : approve.id, { emergency: true, incidentRef: "INC-RACE-1", durationHours: 2 })), now);
    await expectCleanRace(db, tally);
    const held = await db.grant.findMany({ where: { identityId: person.id, entitlementId: { in: [initiate.id, approve.id] } }, select: { entitlementId: true } });
    expect(held.length).toBe(1);
    const pending = await db.accessRequest.count({ where: { beneficiaryId: person.id, entitlementId: { in: [initiate.id, approve.id] }, status: "PENDING" } });
    expect(pending).toBe(0);
  });

  it("50 emergency submits for one access: one grant, emergency time within its bound", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-break-glass", risk: "HIGH" });
    const person = await makeHuman(db, { name: "Glass Racer", managerId: c.manager.id });
    const tally = await race(dbs, N, (_i, as) => as(person.id).requests.submit(submitInput(ent.id, { emergency: true, incidentRef: "INC-RACE-2", durationHours: 2 })), now);
    await expectCleanRace(db, tally);
    const grants = await db.grant.findMany({ where: { identityId: person.id, entitlementId: ent.id, origin: "BREAK_GLASS" } });
    expect(grants).toHaveLength(1);
    const hours = grants.reduce((h, g) => h + (g.expiresAt!.getTime() - g.startsAt.getTime()) / HOUR, 0);
    expect(hours).toBeLessThanOrEqual(EMERGENCY_MAX_HOURS);
  });

  it("50 extension submits of one grant: one pending extension", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-extend" });
    const grant = await makeGrant(db, c.peer.id, ent.id, { expiresAt: new Date(now().getTime() + 3 * 24 * HOUR) });
    const tally = await race(dbs, N, (_i, as) => as(c.peer.id).requests.submit(submitInput(ent.id, { extendsGrantId: grant.id })), now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expect(await pendingFor(c.peer.id, ent.id)).toBe(1);
  });

  it("50 security officers decide the same stage at once: one decision, at most one grant", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-approve", risk: "HIGH", privileged: true, ownerId: c.entOwner.id, maxDurationDays: 30 });
    const officers = await Promise.all(Array.from({ length: N }, (_, i) => makeHuman(db, { name: `Officer ${i}`, roles: ["SECURITY"] })));
    const r = await c.as.employee.requests.submit(submitInput(ent.id));
    const ownerStage = await db.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    await c.as.entOwner.approvals.decide({ requestId: r.id, stepId: ownerStage.id, decision: "APPROVE", expectedRevision: 1 });
    const sec = await db.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN", kind: "SECURITY" } });
    const tally = await race(dbs, N, (i, as) =>
      as(officers[i]!.id).approvals.decide({ requestId: r.id, stepId: sec.id, decision: i % 3 ? "APPROVE" : "DENY", reason: "Race decision", expectedRevision: 1 }),
    now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expectRefusedOnlyWith(tally, ["CONFLICT"]);
    const req = await db.accessRequest.findUniqueOrThrow({ where: { id: r.id }, include: { steps: true } });
    const decided = req.steps.filter((s) => s.kind === "SECURITY" && (s.status === "APPROVED" || s.status === "DENIED"));
    expect(decided).toHaveLength(1);
    expect(await db.grant.count({ where: { requestId: r.id } })).toBe(req.status === "APPROVED" ? 1 : 0);
  });

  it("cancel, edit and approve of one request at once: one outcome, approvals bound to the revision that was approved", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-cancel-edit-approve" });
    const r = await c.as.employee.requests.submit(submitInput(ent.id));
    const stage = await db.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    const tally = await race(dbs, N, (i, as) => {
      if (i % 3 === 0) return as(c.employee.id).requests.cancel({ id: r.id, expectedRevision: 1 });
      if (i % 3 === 1) return as(c.employee.id).requests.edit({ id: r.id, expectedRevision: 1, durationHours: 24 + i });
      return as(c.manager.id).approvals.decide({ requestId: r.id, stepId: stage.id, decision: "APPROVE", expectedRevision: 1 });
    }, now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    const req = await db.accessRequest.findUniqueOrThrow({ where: { id: r.id }, include: { steps: true } });
    const grants = await db.grant.count({ where: { requestId: r.id } });
    expect(grants).toBe(req.status === "APPROVED" ? 1 : 0);
    for (const s of req.steps.filter((x) => x.status === "APPROVED")) expect(s.boundRevision).toBe(req.revision);
  });

  it("50 revocations of one grant at once: one revocation task, one ledger event", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-revoke" });
    const grant = await makeGrant(db, c.peer.id, ent.id, { expiresAt: new Date(now().getTime() + 30 * 24 * HOUR) });
    const tally = await race(dbs, N, (i, as) => as(i % 2 ? c.owner.id : c.security.id).grants.revoke({ grantId: grant.id, reason: "Race: no longer needed" }), now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expect(await db.provisioningTask.count({ where: { grantId: grant.id, action: "REVOKE" } })).toBe(1);
    expect(await db.ledgerEvent.count({ where: { subjectId: grant.id, action: "grant.revocation_requested" } })).toBe(1);
  });

  it("the holder removes their access 50 times at once while an owner revokes it: one revocation task, one ledger event", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-relinquish" });
    const grant = await makeGrant(db, c.peer.id, ent.id, { expiresAt: new Date(now().getTime() + 30 * 24 * HOUR) });
    const tally = await race(
      dbs,
      N,
      (i, as) => (i % 5 === 0 ? as(c.owner.id).grants.revoke({ grantId: grant.id, reason: "Race: no longer needed" }) : as(c.peer.id).grants.relinquish({ grantId: grant.id, reason: "Race: I no longer need it" })),
      now,
    );
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expect(await db.provisioningTask.count({ where: { grantId: grant.id, action: "REVOKE" } })).toBe(1);
    expect(await db.ledgerEvent.count({ where: { subjectId: grant.id, action: "grant.revocation_requested" } })).toBe(1);
  });

  it("a leaver processed while they submit and are approved: no open request and no access left that is not being removed", async () => {
    const person = await makeHuman(db, { name: "Leaving Racer", managerId: c.manager.id });
    const ents = await Promise.all(Array.from({ length: 10 }, (_, i) => makeEntitlement(db, c.system.id, { name: `race-leaver-${i}` })));
    const waiting = await callerAs(db, person.id, now).requests.submit(submitInput(ents[0]!.id));
    const stage = await db.approvalStep.findFirstOrThrow({ where: { requestId: waiting.id, status: "OPEN" } });
    const tally = await race(dbs, N, (i, as) => {
      if (i === N / 2) return as(c.admin.id).grants.deprovisionIdentity({ identityId: person.id, reason: "Left the company (race)" });
      if (i % 5 === 0) return as(c.manager.id).approvals.decide({ requestId: waiting.id, stepId: stage.id, decision: "APPROVE", expectedRevision: 1 });
      const ent = ents[1 + (i % 9)]!;
      return as(person.id).requests.submit(submitInput(ent.id, i % 2 ? { emergency: true, incidentRef: "INC-RACE-3", durationHours: 1 } : {}));
    }, now);
    await expectCleanRace(db, tally);
    expect((await db.identity.findUniqueOrThrow({ where: { id: person.id } })).status).toBe("DEPROVISIONED");
    expect(await db.accessRequest.count({ where: { beneficiaryId: person.id, status: "PENDING" } })).toBe(0);
    const left = await db.grant.findMany({ where: { identityId: person.id }, select: { status: true } });
    // A grant approved before the leaver is being provisioned (the worker revokes it when it lands) or being
    // revoked; nothing is simply active.
    for (const g of left) expect(["PENDING_PROVISION", "PENDING_REVOKE", "REVOKED"]).toContain(g.status);
  });

  it("delegating to a person while they are deprovisioned: no delegation to a leaver is created after they left", async () => {
    const delegate = await makeHuman(db, { name: "Delegate Racer" });
    const start = now();
    const tally = await race(dbs, N, (i, as) =>
      i === 7
        ? as(c.admin.id).grants.deprovisionIdentity({ identityId: delegate.id, reason: "Left the company (race)" })
        : as(c.manager.id).delegations.create({ toId: delegate.id, startsAt: start, endsAt: new Date(start.getTime() + 24 * HOUR + i * 1000), reason: "Race cover" }),
    now);
    await expectCleanRace(db, tally);
    const left = await db.ledgerEvent.findFirstOrThrow({ where: { action: "identity.deprovisioned", subjectId: delegate.id } });
    const created = await db.ledgerEvent.findMany({ where: { action: "delegation.created", payload: { path: ["toId"], equals: delegate.id } } });
    for (const e of created) expect(e.seq).toBeLessThan(left.seq);
  });

  it("deciding through a delegation while it is revoked: a decision recorded under it came before the revocation", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-delegated" });
    const stand = await makeHuman(db, { name: "Stand In" });
    const from = now();
    const d = await c.as.manager.delegations.create({ toId: stand.id, startsAt: from, endsAt: new Date(from.getTime() + 24 * HOUR), reason: "Race cover" });
    const r = await c.as.peer.requests.submit(submitInput(ent.id));
    const stage = await db.approvalStep.findFirstOrThrow({ where: { requestId: r.id, status: "OPEN" } });
    const tally = await race(dbs, N, (i, as) =>
      i % 10 === 0 ? as(c.manager.id).delegations.revoke({ id: d.id }) : as(stand.id).approvals.decide({ requestId: r.id, stepId: stage.id, decision: "APPROVE", expectedRevision: 1 }),
    now);
    await expectCleanRace(db, tally);
    const revoked = await db.ledgerEvent.findFirstOrThrow({ where: { action: "delegation.revoked", subjectId: d.id } });
    const approved = await db.ledgerEvent.findMany({ where: { action: "approval.approved", subjectId: r.id } });
    for (const e of approved) expect(e.seq).toBeLessThan(revoked.seq);
  });

  it("break-glass reviewed by 50 officers at once: one review", async () => {
    const ent = await makeEntitlement(db, c.system.id, { name: "race-bg-review", risk: "HIGH" });
    const bg = await c.as.loner.requests.submit(submitInput(ent.id, { emergency: true, incidentRef: "INC-RACE-4", durationHours: 1 }));
    const tally = await race(dbs, N, (i, as) => as(i % 2 ? c.security.id : c.security2.id).grants.reviewBreakGlass({ requestId: bg.id, note: `Reviewed in the race ${i}` }), now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expect(await db.ledgerEvent.count({ where: { action: "break_glass.reviewed", subjectId: bg.id } })).toBe(1);
  });

  it("50 evidence exports started at once by one auditor: two queued, the rest CONFLICT", async () => {
    const tally = await race(dbs, N, (_i, as) => as(c.auditor.id).evidence.startExport({ from: "2026-01-01", to: "2026-01-31" }), now);
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(2);
    expectRefusedOnlyWith(tally, ["CONFLICT"]);
    expect(await db.evidenceExport.count({ where: { requestedById: c.auditor.id, status: "QUEUED" } })).toBe(2);
  });
});

describe.skipIf(TEST_ENGINE !== "postgres")("campaign races on PostgreSQL", () => {
  let t: TestDb;
  let extra: DbHandle[];
  let dbs: PrismaClient[];

  beforeAll(async () => {
    t = await createTestDb();
    extra = moreInstances(t.url!, 3);
    dbs = [t.prisma, ...extra.map((h) => h.prisma)];
  });
  afterAll(async () => {
    await Promise.all(extra.map((h) => h.close()));
    await t.close();
  });

  it("50 launches of one draft at once: launched once, one snapshot", async () => {
    const db = t.prisma;
    const c = await coreCast(db);
    for (let i = 0; i < 5; i++) await makeGrant(db, (await makeHuman(db, { name: `Launch holder ${i}` })).id, c.a1.id);
    const { id } = await c.as(c.admin.id).campaigns.create(definition(c, { name: "Race launch" }));
    const draft = await db.campaign.findUniqueOrThrow({ where: { id } });
    const tally = await race(dbs, N, (_i, as) => as(c.admin.id).campaigns.launch({ id, expectedUpdatedAt: draft.updatedAt }));
    await expectCleanRace(db, tally);
    expect(tally.ok).toBe(1);
    expectRefusedOnlyWith(tally, ["CONFLICT"]);
    const launched = await db.campaign.findUniqueOrThrow({ where: { id } });
    expect(launched.status).toBe("ACTIVE");
    expect(await db.reviewItem.count({ where: { campaignId: id } })).toBe(launched.populationCount);
    expect(await db.ledgerEvent.count({ where: { action: "campaign.launched", subjectId: id } })).toBe(1);
  });

  it("reassigning review items to a person while they are deprovisioned: nothing is handed to them after they left", async () => {
    const db = t.prisma;
    const c = await coreCast(db);
    const holders = await Promise.all(Array.from({ length: 30 }, (_, i) => makeHuman(db, { name: `Reassign holder ${i}`, managerId: c.manager.id })));
    for (const h of holders) await makeGrant(db, h.id, c.a1.id);
    const { id } = await c.as(c.admin.id).campaigns.create(definition(c, { name: "Race reassign", reviewerStrategy: "MANAGER" }));
    const draft = await db.campaign.findUniqueOrThrow({ where: { id } });
    await c.as(c.admin.id).campaigns.launch({ id, expectedUpdatedAt: draft.updatedAt });
    const items = await db.reviewItem.findMany({ where: { campaignId: id, reviewerId: c.manager.id }, orderBy: { id: "asc" } });
    const target = await makeHuman(db, { name: "Reassign Target" });
    const tally = await race(dbs, items.length + 1, (i, as) =>
      i === 11
        ? as(c.admin.id).grants.deprovisionIdentity({ identityId: target.id, reason: "Left the company (race)" })
        : as(c.manager.id).campaigns.reassign({ itemId: items[i % items.length]!.id, toId: target.id, expectedVersion: 1, reason: "On holiday" }),
    );
    await expectCleanRace(db, tally);
    const left = await db.ledgerEvent.findFirstOrThrow({ where: { action: "identity.deprovisioned", subjectId: target.id } });
    const handed = await db.ledgerEvent.findMany({ where: { action: "review.reassigned", payload: { path: ["toId"], equals: target.id } } });
    for (const e of handed) expect(e.seq).toBeLessThan(left.seq);
  });

  it("closing a campaign while its items are decided: one close, no decision recorded after it", async () => {
    const db = t.prisma;
    const c = await coreCast(db);
    const holders = await Promise.all(Array.from({ length: 40 }, (_, i) => makeHuman(db, { name: `Holder ${i}`, managerId: c.manager.id })));
    for (const h of holders) await makeGrant(db, h.id, c.a1.id);
    const { id } = await c.as(c.admin.id).campaigns.create(definition(c, { reviewerStrategy: "MANAGER" }));
    const draft = await db.campaign.findUniqueOrThrow({ where: { id } });
    await c.as(c.admin.id).campaigns.launch({ id, expectedUpdatedAt: draft.updatedAt });
    const items = await db.reviewItem.findMany({ where: { campaignId: id, reviewerId: c.manager.id }, orderBy: { id: "asc" } });
    expect(items.length).toBeGreaterThanOrEqual(40);

    const tally = await race(dbs, N + 10, (i, as) =>
      i % 6 === 0
        ? as(c.admin.id).campaignOps.close({ campaignId: id })
        : as(c.manager.id).campaigns.decide({ itemId: items[i % items.length]!.id, decision: i % 2 ? "KEEP" : "REVOKE", expectedVersion: 1, comment: "Decided in the race" }),
    );
    await expectCleanRace(db, tally);
    const closed = await db.ledgerEvent.findMany({ where: { action: "campaign.closed", subjectId: id } });
    expect(closed).toHaveLength(1);
    const decisions = await db.ledgerEvent.findMany({ where: { action: "review.decided", payload: { path: ["campaignId"], equals: id } } });
    for (const d of decisions) expect(d.seq).toBeLessThan(closed[0]!.seq);
    // Every item has exactly one outcome: decided by the reviewer, or by the default action at close.
    const after = await db.reviewItem.findMany({ where: { campaignId: id } });
    for (const it of after) expect(it.decision === null ? "none" : it.defaulted ? "default" : "reviewer").not.toBe("none");
  });
});
