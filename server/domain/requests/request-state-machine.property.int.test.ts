/**
 * Property: for random sequences of submit, approve, deny, cancel, edit, delegate, expire/escalate (time
 * moves on and the jobs run) and revoke, by random people of a small organisation, the invariants hold:
 * no grant without the required distinct, eligible, non-party approvals bound to the request's content under
 * a recorded policy hash (or an auto-approval recorded by the policy); at most one grant per request; a
 * grant only for an approved request; the ledger chain verifies.
 */
import fc from "fast-check";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import { verifyChain } from "../../ledger/ledger";
import { ensureDefaultPolicy } from "../policy/service";
import { startRevocation } from "../provisioning/grant-lifecycle";
import type { Authority } from "../approvals/eligibility";
import { escalateOverdueStages, expireOverdueRequests } from "./jobs";
import { DAY, HOUR, testClock } from "./request-test-kit";

let db: TestDb;
const clock = testClock();
let people: { id: string; name: string }[] = [];
let beneficiariesOf: Map<string, string[]>;
let entitlements: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  await p.$transaction((tx) => ensureDefaultPolicy(tx, null, clock.now()));
  const boss = await makeHuman(p, { name: "Boss" });
  const mA = await makeHuman(p, { name: "Manager A", managerId: boss.id });
  const mB = await makeHuman(p, { name: "Manager B", managerId: boss.id });
  const e1 = await makeHuman(p, { name: "Emp 1", managerId: mA.id });
  const e2 = await makeHuman(p, { name: "Emp 2", managerId: mA.id });
  const e3 = await makeHuman(p, { name: "Emp 3 (also security)", managerId: mB.id, roles: ["SECURITY"] });
  const s1 = await makeHuman(p, { name: "Sec 1", roles: ["SECURITY"], managerId: boss.id });
  const admin = await makeHuman(p, { name: "Admin", roles: ["ADMIN"] });
  const auditor = await makeHuman(p, { name: "Auditor", roles: ["AUDITOR"] });
  const nhi = await makeNhi(p, e1.id, { name: "svc-prop" });
  // Manager A owns the system: a medium-risk request by Emp 1 has the same person as manager and owner.
  const sys = await makeSystem(p, mA.id, { name: "Prop System" });
  const low = await makeEntitlement(p, sys.id, { name: "low", risk: "LOW" });
  const med = await makeEntitlement(p, sys.id, { name: "medium", risk: "MEDIUM" });
  const high = await makeEntitlement(p, sys.id, { name: "high", risk: "HIGH", privileged: true, ownerId: e2.id, maxDurationDays: 30 });
  people = [boss, mA, mB, e1, e2, e3, s1, admin, auditor].map((x) => ({ id: x.id, name: x.displayName }));
  beneficiariesOf = new Map(people.map((x) => [x.id, [x.id]]));
  beneficiariesOf.get(e1.id)!.push(nhi.id);
  entitlements = [low.id, med.id, high.id];
});
afterAll(async () => {
  await db.close();
});

type Cmd =
  | { t: "submit"; actor: number; ent: number; nhi: boolean; emergency: boolean; hours: number }
  | { t: "approve" | "deny" | "cancel"; actor: number; req: number; smart?: boolean }
  | { t: "edit"; actor: number; req: number; hours: number }
  | { t: "delegate"; actor: number; to: number }
  | { t: "time"; hours: number }
  | { t: "revoke"; req: number };

const idx = fc.nat({ max: 8 });
const reqIdx = fc.nat({ max: 30 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("submit" as const), actor: idx, ent: fc.nat({ max: 2 }), nhi: fc.boolean(), emergency: fc.boolean(), hours: fc.constantFrom(2, 4, 24, 72, 24 * 10) }) },
  // "smart": the actor is drawn from the people listed for the open stage (otherwise from everyone), so runs
  // reach final approvals often enough while still trying everyone else.
  { weight: 6, arbitrary: fc.record({ t: fc.constant("approve" as const), actor: idx, req: reqIdx, smart: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("deny" as const), actor: idx, req: reqIdx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cancel" as const), actor: idx, req: reqIdx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("edit" as const), actor: idx, req: reqIdx, hours: fc.constantFrom(4, 24, 48) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delegate" as const), actor: idx, to: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("time" as const), hours: fc.constantFrom(1, 50, 24 * 8) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revoke" as const), req: reqIdx }) },
);

const EXPECTED_REFUSALS = new Set(["FORBIDDEN", "CONFLICT", "NOT_FOUND", "BAD_REQUEST"]);

async function run(c: Cmd, requestIds: string[]) {
  const pick = (i: number) => (requestIds.length ? requestIds[i % requestIds.length]! : null);
  const as = (i: number) => callerAs(db.prisma, people[i]!.id, clock.now);
  switch (c.t) {
    case "submit": {
      const actor = people[c.actor]!;
      const bens = beneficiariesOf.get(actor.id)!;
      const beneficiaryId = c.nhi ? bens[bens.length - 1] : actor.id;
      const out = await as(c.actor).requests.submit({
        entitlementId: entitlements[c.ent]!,
        beneficiaryId,
        justification: "Random property run needs this access for testing",
        durationHours: c.hours,
        emergency: c.emergency,
        ...(c.emergency ? { incidentRef: "INC-1" } : {}),
      });
      requestIds.push(out.id);
      return;
    }
    case "approve":
    case "deny": {
      const id = pick(c.req);
      if (!id) return;
      const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id }, include: { steps: true } });
      const step = r.steps.find((s) => s.status === "OPEN") ?? r.steps[0];
      if (!step) return;
      if (c.smart && step.eligibleIds.length) {
        const id2 = step.eligibleIds[c.actor % step.eligibleIds.length]!;
        await callerAs(db.prisma, id2, clock.now).approvals.decide({ requestId: id, stepId: step.id, decision: "APPROVE", expectedRevision: r.revision });
        return;
      }
      await as(c.actor).approvals.decide({ requestId: id, stepId: step.id, decision: c.t === "approve" ? "APPROVE" : "DENY", reason: "Property says no", expectedRevision: r.revision });
      return;
    }
    case "cancel": {
      const id = pick(c.req);
      if (!id) return;
      const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id } });
      await as(c.actor).requests.cancel({ id, expectedRevision: r.revision });
      return;
    }
    case "edit": {
      const id = pick(c.req);
      if (!id) return;
      const r = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id } });
      await as(c.actor).requests.edit({ id, expectedRevision: r.revision, durationHours: c.hours, justification: `Edited at ${clock.now().toISOString()} for the property run` });
      return;
    }
    case "delegate": {
      const now = clock.now();
      await as(c.actor).delegations.create({ toId: people[c.to]!.id, startsAt: now, endsAt: new Date(now.getTime() + 3 * DAY), reason: "Property run delegation" });
      return;
    }
    case "time": {
      const now = clock.advance(c.hours * HOUR);
      await escalateOverdueStages(db.prisma, now);
      await expireOverdueRequests(db.prisma, now);
      return;
    }
    case "revoke": {
      const id = pick(c.req);
      if (!id) return;
      const g = await db.prisma.grant.findUnique({ where: { requestId: id } });
      if (!g) return;
      // Stand in for the connector confirming the grant, then revoke it through the lifecycle.
      await db.prisma.grant.updateMany({ where: { id: g.id, status: "PENDING_PROVISION" }, data: { status: "ACTIVE" } });
      await db.prisma.$transaction((tx) => startRevocation(tx, { grantId: g.id, cause: "MANUAL", actorId: null, note: "property run", now: clock.now() }));
      return;
    }
  }
}

async function checkInvariants() {
  const requests = await db.prisma.accessRequest.findMany({ include: { steps: { orderBy: { stageOrder: "asc" } }, grant: true, policyVersion: true, beneficiary: { select: { ownerId: true } } } });
  for (const r of requests) {
    const decision = r.policyDecision as { allowed: boolean; autoApproved: boolean; stages: string[]; input?: unknown };
    expect(r.policyHash).toBe(r.policyVersion.sha256);
    expect(decision.input).toBeTruthy();
    // Only a pending request has a stage open: the inbox finds open stages (approvals/queries.ts).
    if (r.status !== "PENDING") expect(r.steps.filter((s) => s.status === "OPEN").map((s) => s.id)).toEqual([]);
    if (!r.grant) {
      expect(r.status).not.toBe("APPROVED");
      continue;
    }
    // A grant only for an approved request, allowed by the policy recorded with it.
    expect(r.status).toBe("APPROVED");
    expect(decision.allowed).toBe(true);
    if (decision.autoApproved) {
      expect(await db.prisma.ledgerEvent.count({ where: { subjectId: r.id, action: "request.auto_approved" } })).toBeGreaterThan(0);
      continue;
    }
    const current = r.steps.filter((s) => s.status !== "VOID");
    expect(current.map((s) => s.kind)).toEqual(decision.stages);
    const parties = [r.requesterId, r.beneficiaryId, r.beneficiary.ownerId].filter(Boolean);
    const approvers = new Set<string>();
    for (const s of current) {
      expect(s.status).toBe("APPROVED");
      expect(s.boundRevision).toBe(r.revision);
      expect(s.boundContentHash).toBe(r.contentHash);
      const a = s.authority as Authority;
      expect(a?.kind).toBeTruthy();
      expect(parties).not.toContain(s.decidedById);
      // Eligible: listed for the stage, or the active delegate of someone listed.
      const actingFor = a.via?.delegatedBy.id ?? s.decidedById!;
      expect(s.eligibleIds).toContain(actingFor);
      expect(parties).not.toContain(actingFor);
      // Distinct people, counting the person a delegate acted for.
      for (const who of new Set([s.decidedById!, actingFor])) {
        expect(approvers.has(who)).toBe(false);
        approvers.add(who);
      }
    }
  }
  const perRequest = await db.prisma.grant.groupBy({ by: ["requestId"], _count: true, where: { requestId: { not: null } } });
  expect(perRequest.every((g) => g._count === 1)).toBe(true);
  expect((await verifyChain(db.prisma)).firstBroken).toBeNull();
}

describe(`request state machine (property, ${TEST_ENGINE})`, () => {
  it("keeps its invariants for random sequences of actions by random people", async () => {
    let refusals = 0;
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 15 }), async (cmds) => {
        const requestIds: string[] = [];
        for (const c of cmds) {
          try {
            await run(c, requestIds);
            successes++;
          } catch (e) {
            if (e instanceof TRPCError && EXPECTED_REFUSALS.has(e.code)) refusals++;
            else throw e;
          }
        }
        await checkInvariants();
      }),
      { numRuns: 30, seed: Number(process.env.PROPERTY_SEED ?? 20261121) },
    );
    expect(successes).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
    // The runs must have reached grants through approvals, not only refusals.
    expect(await db.prisma.grant.count({ where: { origin: "REQUEST" } })).toBeGreaterThan(0);
  }, 120_000);
});
