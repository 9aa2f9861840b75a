import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeSystem } from "../../testing/factories";
import type { PrismaClient } from "../../db";
import { loadActor } from "../actor";
import { inboxScope } from "./queries";

let db: TestDb;
const who: Record<string, string> = {};
const ents: Record<string, string> = {};
let policyVersionId: string;
const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A request with its stages written directly (the inbox reads what the services wrote; this pins its shape). */
async function request(
  p: PrismaClient,
  o: { requester: string; beneficiary: string; entitlement: string; justification?: string; status?: "PENDING" | "CANCELLED"; deadlineMin?: number },
  stages: { kind: "MANAGER" | "OWNER" | "SECURITY"; status: "OPEN" | "WAITING" | "VOID"; eligible: string[]; openedMin?: number }[],
) {
  const r = await p.accessRequest.create({
    data: {
      requesterId: o.requester,
      beneficiaryId: o.beneficiary,
      entitlementId: o.entitlement,
      justification: o.justification ?? "Routine access for the quarter's work",
      durationHours: 24,
      status: o.status ?? "PENDING",
      contentHash: "x",
      policyVersionId,
      policyHash: "x",
      policyDecision: {},
      inputHash: "x",
      deadlineAt: at(o.deadlineMin ?? 10_000),
    },
  });
  await p.approvalStep.createMany({
    data: stages.map((s, i) => ({
      requestId: r.id,
      stageOrder: i + 1,
      kind: s.kind,
      status: s.status,
      eligibleIds: s.eligible,
      openedAt: s.status === "OPEN" ? at(s.openedMin ?? 0) : null,
      requesterId: o.requester,
      beneficiaryId: o.beneficiary,
    })),
  });
  return r.id;
}

/*
 * The approver "Anna" has, in her inbox:
 *   r1  Bob for himself, db-read (LOW),  opened at +10, stage 1 of 2 (a WAITING owner stage follows)
 *   r2  Cleo for herself, db-admin (HIGH), opened at +5, stage 2 of 2 (stage 1 VOID, stage 2 OPEN, stage 3 VOID: 1 of 1 counted)
 *   r3  Bob for Cleo, ops_50% (MEDIUM), opened at +20, eligible: Dora only — Anna acts for Dora (delegation)
 * and NOT: r4 for herself (a party), r5 a cancelled request whose stage was left open, r6 Dora's with no delegation window
 * (a revoked delegation from Eli), r7 someone else's stage.
 */
beforeAll(async () => {
  db = await createTestDb();
  const p = db.prisma;
  policyVersionId = (await p.policyVersion.create({ data: { version: 9001, text: "", sha256: "x" } })).id;
  const anna = await makeHuman(p, { name: "Anna Approver" });
  const bob = await makeHuman(p, { name: "Bob Baker" });
  const cleo = await makeHuman(p, { name: "Cleo Cruz" });
  const dora = await makeHuman(p, { name: "Dora Delegator" });
  const eli = await makeHuman(p, { name: "Eli Ex" });
  const other = await makeHuman(p, { name: "Olga Other" });
  Object.assign(who, { anna: anna.id, bob: bob.id, cleo: cleo.id, dora: dora.id, eli: eli.id, other: other.id });
  const sys = await makeSystem(p, other.id, { name: "Ledger DB" });
  const sys2 = await makeSystem(p, other.id, { name: "Ops Console" });
  ents.read = (await makeEntitlement(p, sys.id, { name: "db-read", risk: "LOW" })).id;
  ents.admin = (await makeEntitlement(p, sys.id, { name: "db-admin", risk: "HIGH" })).id;
  ents.ops = (await makeEntitlement(p, sys2.id, { name: "ops_50%", risk: "MEDIUM" })).id;
  ents.extra = (await makeEntitlement(p, sys2.id, { name: "ops-extra", risk: "LOW" })).id;

  await p.delegation.create({ data: { fromId: dora.id, toId: anna.id, startsAt: at(-60), endsAt: at(60 * 24 * 365 * 10), reason: "leave" } });
  await p.delegation.create({ data: { fromId: eli.id, toId: anna.id, startsAt: at(-60), endsAt: at(60 * 24 * 365 * 10), reason: "leave", revokedAt: at(-1) } });

  who.r1 = await request(p, { requester: bob.id, beneficiary: bob.id, entitlement: ents.read, deadlineMin: 300 }, [
    { kind: "MANAGER", status: "OPEN", eligible: [anna.id], openedMin: 10 },
    { kind: "OWNER", status: "WAITING", eligible: [] },
  ]);
  who.r2 = await request(p, { requester: cleo.id, beneficiary: cleo.id, entitlement: ents.admin, justification: "Rotate keys in the maintenance window", deadlineMin: 100 }, [
    { kind: "MANAGER", status: "VOID", eligible: [anna.id] },
    { kind: "OWNER", status: "OPEN", eligible: [other.id, anna.id], openedMin: 5 },
    { kind: "SECURITY", status: "VOID", eligible: [] },
  ]);
  who.r3 = await request(p, { requester: bob.id, beneficiary: cleo.id, entitlement: ents.ops, deadlineMin: 200 }, [{ kind: "OWNER", status: "OPEN", eligible: [dora.id], openedMin: 20 }]);
  await request(p, { requester: bob.id, beneficiary: anna.id, entitlement: ents.read }, [{ kind: "OWNER", status: "OPEN", eligible: [anna.id] }]);
  await request(p, { requester: bob.id, beneficiary: bob.id, entitlement: ents.extra, status: "CANCELLED" }, [{ kind: "MANAGER", status: "OPEN", eligible: [anna.id] }]);
  await request(p, { requester: cleo.id, beneficiary: cleo.id, entitlement: ents.read }, [{ kind: "MANAGER", status: "OPEN", eligible: [eli.id] }]);
  await request(p, { requester: cleo.id, beneficiary: cleo.id, entitlement: ents.extra }, [{ kind: "MANAGER", status: "OPEN", eligible: [other.id] }]);
});
afterAll(async () => {
  await db.close();
});

const anna = () => callerAs(db.prisma, who.anna, () => at(0));
const reqIds = (page: { rows: { requestId: string }[] }) => page.rows.map((r) => r.requestId);

describe("approvals.inbox", () => {
  it("lists the open stages the actor may decide, directly or for a delegator, never as a party, never of a closed request", async () => {
    const page = await anna().approvals.inbox({});
    expect(page).toMatchObject({ total: 3, totalCapped: false, page: 1, size: 25 });
    expect(reqIds(page)).toEqual([who.r2, who.r1, who.r3]);
    const [r2, r1, r3] = page.rows;
    expect(r1).toMatchObject({
      kind: "MANAGER",
      position: 1,
      stageCount: 2,
      revision: 1,
      durationHours: 24,
      emergency: false,
      escalated: false,
      entitlement: { id: ents.read, name: "db-read", risk: "LOW", privileged: false },
      system: { name: "Ledger DB" },
      requester: { id: who.bob, name: "Bob Baker" },
      beneficiary: { id: who.bob, name: "Bob Baker", kind: "HUMAN" },
      onBehalfOf: null,
    });
    expect(r1.openedAt).toEqual(at(10));
    expect(r1.deadlineAt).toEqual(at(300));
    expect(r2).toMatchObject({ kind: "OWNER", position: 1, stageCount: 1, onBehalfOf: null });
    expect(r3).toMatchObject({ onBehalfOf: [{ id: who.dora, name: "Dora Delegator" }], beneficiary: { name: "Cleo Cruz" } });
    expect((await callerAs(db.prisma, who.other, () => at(0)).approvals.inbox({})).total).toBe(2);
  });

  it("counts the same stages through inboxScope (the home page's Prisma form of the rule) as the page's SQL", async () => {
    for (const id of [who.anna, who.other, who.bob, who.dora]) {
      const ctx = { db: db.prisma, actor: (await loadActor(db.prisma, id))!, now: () => at(0) };
      const { where } = await inboxScope(ctx);
      const steps = await db.prisma.approvalStep.findMany({ where, select: { requestId: true } });
      const page = await callerAs(db.prisma, id, () => at(0)).approvals.inbox({ size: 100 });
      expect(steps.map((s) => s.requestId).sort()).toEqual(page.rows.map((r) => r.requestId).sort());
    }
  });

  it("sorts by each column both ways, ties by stage id, and pages", async () => {
    const order = async (sort: "openedAt" | "deadlineAt" | "entitlement" | "requester" | "risk", dir: "asc" | "desc") => reqIds(await anna().approvals.inbox({ sort, dir }));
    expect(await order("openedAt", "desc")).toEqual([who.r3, who.r1, who.r2]);
    expect(await order("deadlineAt", "asc")).toEqual([who.r2, who.r3, who.r1]);
    expect(await order("entitlement", "asc")).toEqual([who.r2, who.r1, who.r3]);
    expect(await order("risk", "desc")).toEqual([who.r2, who.r3, who.r1]);
    expect((await order("requester", "asc"))[2]).toBe(who.r2);
    const p1 = await anna().approvals.inbox({ size: 5, sort: "deadlineAt" });
    expect(reqIds(p1)).toEqual([who.r2, who.r3, who.r1]);
    const p2 = await anna().approvals.inbox({ size: 5, page: 2 });
    expect(p2).toMatchObject({ rows: [], total: 3 });
  });

  it("filters by system, risk, kind and text (entitlement, system, people, justification; wildcards literal)", async () => {
    const sysId = (await anna().approvals.inbox({})).rows.find((r) => r.requestId === who.r3)!.system.id;
    expect(reqIds(await anna().approvals.inbox({ systemId: sysId }))).toEqual([who.r3]);
    expect(reqIds(await anna().approvals.inbox({ risk: "HIGH" }))).toEqual([who.r2]);
    expect(reqIds(await anna().approvals.inbox({ kind: "MANAGER" }))).toEqual([who.r1]);
    expect(reqIds(await anna().approvals.inbox({ q: "MAINTENANCE" }))).toEqual([who.r2]);
    expect(reqIds(await anna().approvals.inbox({ q: "ops console" }))).toEqual([who.r3]);
    expect(reqIds(await anna().approvals.inbox({ q: "cruz" }))).toEqual([who.r2, who.r3]);
    expect(reqIds(await anna().approvals.inbox({ q: "50%" }))).toEqual([who.r3]);
    expect((await anna().approvals.inbox({ q: "%" })).total).toBe(1);
    expect((await anna().approvals.inbox({ q: "s_5" })).total).toBe(1);
    expect((await anna().approvals.inbox({ q: "nothing like this" })).total).toBe(0);
  });
});
