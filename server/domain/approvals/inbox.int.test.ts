import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeEntitlement, makeHuman, makeNhi, makeSystem } from "../../testing/factories";
import type { PrismaClient } from "../../db";
import { loadActor } from "../actor";
import { inboxScope } from "./queries";
import { machineChainText } from "../requests/schema";

let db: TestDb;
const who: Record<string, string> = {};
const ents: Record<string, string> = {};
let policyVersionId: string;
const T0 = new Date("2026-03-02T09:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A request with its stages written directly (the inbox reads what the services wrote; this pins its shape). */
async function request(
  p: PrismaClient,
  o: { requester: string; beneficiary: string; entitlement: string; justification?: string; status?: "PENDING" | "CANCELLED"; deadlineMin?: number; policyDecision?: object },
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
      policyDecision: o.policyDecision ?? {},
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
      relation: null,
      machineRequester: null,
      onBehalfOf: null,
    });
    expect(r1.openedAt).toEqual(at(10));
    expect(r1.deadlineAt).toEqual(at(300));
    expect(r2).toMatchObject({ kind: "OWNER", position: 1, stageCount: 1, onBehalfOf: null });
    expect(r3).toMatchObject({ onBehalfOf: [{ id: who.dora, name: "Dora Delegator" }], beneficiary: { name: "Cleo Cruz" }, relation: "none", machineRequester: null });
    expect((await callerAs(db.prisma, who.other, () => at(0)).approvals.inbox({})).total).toBe(2);
  });

  it("finds the same stages through inboxScope (the home page's count and ageing) as the page", async () => {
    for (const id of [who.anna, who.other, who.bob, who.dora]) {
      const ctx = { db: db.prisma, actor: (await loadActor(db.prisma, id))!, now: () => at(0) };
      const { where } = await inboxScope(ctx);
      const steps = await db.prisma.$queryRaw<{ requestId: string }[]>`SELECT s."requestId" FROM "ApprovalStep" s JOIN "AccessRequest" r ON r."id" = s."requestId" WHERE ${where}`;
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

/*
 * Who asked, and through what. The approver "Mona" has three requests:
 *   m1  the AI agent "Triage bot" (owned by Owen) for itself          opened at +1
 *   m2  the same agent for Pat (acting for a person, with Owen's standing)   opened at +2
 *   m3  Hal, a person, for Pat, his report (another entitlement)         opened at +3
 * The stored policy input is what submitRequest writes for each (facts.requesterIsMachine, requester kind/owner).
 */
describe("approvals.inbox: the machine-requester chain", () => {
  const m: Record<string, string> = {};
  beforeAll(async () => {
    const p = db.prisma;
    const mona = await makeHuman(p, { name: "Mona Manager" });
    const owen = await makeHuman(p, { name: "Owen Owner", department: "Data" });
    const hal = await makeHuman(p, { name: "Hal Head" });
    const pat = await makeHuman(p, { name: "Pat Person", department: "Data", managerId: hal.id });
    const bot = await makeNhi(p, owen.id, { kind: "AI_AGENT", name: "Triage bot" });
    Object.assign(m, { mona: mona.id, owen: owen.id, hal: hal.id, pat: pat.id, bot: bot.id });
    const machine = (beneficiary: string, facts: object) => ({
      input: { requester: { id: bot.id, department: null, kind: "AI_AGENT", ownerId: owen.id }, facts: { requesterIsMachine: true, viaApiClient: true, ...facts } },
    });
    const stage = (openedMin: number) => [{ kind: "MANAGER" as const, status: "OPEN" as const, eligible: [mona.id], openedMin }];
    m.self = await request(
      p,
      { requester: bot.id, beneficiary: bot.id, entitlement: ents.read, policyDecision: machine(bot.id, { requesterIsBeneficiary: true, requesterOwnerIsBeneficiary: false }) },
      stage(1),
    );
    m.onBehalf = await request(
      p,
      { requester: bot.id, beneficiary: pat.id, entitlement: ents.read, policyDecision: machine(pat.id, { requesterIsBeneficiary: false, requesterOwnerSharesDepartment: true }) },
      stage(2),
    );
    m.human = await request(
      p,
      {
        requester: hal.id,
        beneficiary: pat.id,
        entitlement: ents.extra,
        policyDecision: { input: { requester: { id: hal.id, department: null }, facts: { requesterIsMachine: false, requesterIsManagerOfBeneficiary: true } } },
      },
      stage(3),
    );
  });
  const mona = () => callerAs(db.prisma, m.mona, () => at(0));

  it("names the agent, its kind and its owner for an agent's request for itself, which has no on-behalf relation", async () => {
    const row = (await mona().approvals.inbox({})).rows.find((r) => r.requestId === m.self)!;
    expect(row).toMatchObject({
      requester: { id: m.bot, name: "Triage bot" },
      beneficiary: { id: m.bot, name: "Triage bot", kind: "AI_AGENT" },
      relation: null,
      machineRequester: { id: m.bot, name: "Triage bot", kind: "AI_AGENT", owner: { id: m.owen, name: "Owen Owner" } },
    });
    expect(machineChainText(row.machineRequester!, row.beneficiary)).toBe("AI agent Triage bot for itself (owned by Owen Owner)");
  });

  it("names the agent, its owner and the person for an agent's request on someone's behalf", async () => {
    const row = (await mona().approvals.inbox({})).rows.find((r) => r.requestId === m.onBehalf)!;
    expect(row).toMatchObject({
      requester: { id: m.bot, name: "Triage bot" },
      beneficiary: { id: m.pat, name: "Pat Person", kind: "HUMAN" },
      relation: "agent",
      machineRequester: { id: m.bot, kind: "AI_AGENT", owner: { id: m.owen, name: "Owen Owner" } },
    });
    expect(machineChainText(row.machineRequester!, row.beneficiary)).toBe("AI agent Triage bot (owned by Owen Owner) for Pat Person");
  });

  it("leaves a person's request as it was: no machine chain, the relation from the stored facts", async () => {
    const page = await mona().approvals.inbox({});
    expect(page.rows.map((r) => r.requestId)).toEqual([m.self, m.onBehalf, m.human]);
    expect(page.rows[2]).toMatchObject({ requester: { id: m.hal, name: "Hal Head" }, beneficiary: { id: m.pat }, relation: "manager", machineRequester: null });
  });

  it("still reads the page in two statements plus the delegations, whatever the rows' requesters", async () => {
    const statements: string[] = [];
    const counting = db.prisma.$extends({
      query: {
        $allOperations: async ({ operation, model, args, query }) => {
          statements.push(model ? `${model}.${operation}` : operation);
          return query(args);
        },
      },
    });
    await callerAs(counting as never, m.mona, () => at(0)).approvals.inbox({});
    // The actor (loadActor, one raw statement with its roles), the capped count and the page, and the delegations.
    expect(statements.sort()).toEqual(["$queryRaw", "$queryRaw", "$queryRaw", "Delegation.findMany"].sort());
  });
});
