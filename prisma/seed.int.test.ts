import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../server/testing/db";
import { verifyChain } from "../server/ledger/ledger";
import type { PrismaClient } from "../server/db";
import { isEmpty, seedDemo, SeedRefusedError, type SeedCounts } from "./seed";
import { DEFAULT_POLICY_TEXT } from "../server/domain/policy/default-policy";
import { sha256Hex } from "../server/domain/policy/evaluate";

const NOW = new Date("2026-03-02T09:00:00.000Z");
const DAY = 86_400_000;

/** The documented size of the demo organisation (prisma/seed.ts header). */
const EXPECTED: SeedCounts = {
  people: 149,
  nonHumanIdentities: 41,
  systems: 14,
  entitlements: 80,
  grants: 870,
  activeGrants: 859,
  revokedGrants: 11,
  roleAssignments: 5,
  policyVersions: 1,
  conflictRules: 1,
  ledgerEvents: 1162,
};

async function snapshot(db: PrismaClient) {
  const head = await db.ledgerHead.findUniqueOrThrow({ where: { id: 1 } });
  return {
    identities: await db.identity.count(),
    systems: await db.system.count(),
    entitlements: await db.entitlement.count(),
    grants: await db.grant.count(),
    roles: await db.roleAssignment.count(),
    policyVersions: await db.policyVersion.count(),
    conflictRules: await db.conflictRule.count(),
    events: await db.ledgerEvent.count(),
    head: { seq: head.seq, hash: head.hash },
  };
}

describe("demo organisation seed", () => {
  let db: TestDb;
  let counts: SeedCounts;

  beforeAll(async () => {
    db = await createTestDb();
    expect(await isEmpty(db.prisma)).toBe(true);
    counts = await seedDemo(db.prisma, { now: NOW });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("creates the documented organisation in an empty database", async () => {
    expect(counts).toEqual(EXPECTED);
    const p = db.prisma;
    expect(await p.identity.count({ where: { kind: "HUMAN" } })).toBe(EXPECTED.people);
    expect(await p.identity.count({ where: { kind: { not: "HUMAN" } } })).toBe(EXPECTED.nonHumanIdentities);
    expect(await p.system.count()).toBe(EXPECTED.systems);
    expect(await p.entitlement.count()).toBe(EXPECTED.entitlements);
    expect(await p.grant.count()).toBe(EXPECTED.grants);
    expect(await p.grant.count({ where: { status: "ACTIVE" } })).toBe(EXPECTED.activeGrants);
    expect(await p.grant.count({ where: { status: "REVOKED" } })).toBe(EXPECTED.revokedGrants);
    expect(await p.roleAssignment.count()).toBe(EXPECTED.roleAssignments);
    expect(await p.policyVersion.count()).toBe(EXPECTED.policyVersions);
    expect(await p.conflictRule.count()).toBe(EXPECTED.conflictRules);
    expect(await p.ledgerEvent.count()).toBe(EXPECTED.ledgerEvents);
    // Every kind of non-human identity is represented; a couple of people are suspended and one has left.
    const kinds = await p.identity.groupBy({ by: ["kind"], _count: true, where: { kind: { not: "HUMAN" } } });
    expect(kinds.map((k) => k.kind).sort()).toEqual(["AI_AGENT", "API_KEY", "OAUTH_APP", "SERVICE_ACCOUNT", "WORKLOAD"]);
    expect(await p.identity.count({ where: { kind: "HUMAN", status: "SUSPENDED" } })).toBe(2);
    expect(await p.identity.count({ where: { kind: "HUMAN", status: "DEPROVISIONED" } })).toBe(1);
  });

  it("creates the six demo accounts with their roles and relationships", async () => {
    const p = db.prisma;
    const person = (local: string) =>
      p.identity.findUniqueOrThrow({ where: { email: `${local}@halcyon.example` }, include: { roles: true, manager: true, ownedSystems: true } });
    const [priya, marcus, sofia, omar, grace, ruth] = await Promise.all(
      ["priya.nair", "marcus.chen", "sofia.alvarez", "omar.haddad", "grace.kim", "ruth.okafor"].map(person),
    );
    for (const a of [priya, marcus, sofia, omar, grace, ruth]) expect(a).toMatchObject({ kind: "HUMAN", status: "ACTIVE" });
    expect(priya).toMatchObject({ displayName: "Priya Nair", department: "Engineering", managerId: marcus.id });
    expect(marcus).toMatchObject({ displayName: "Marcus Chen", department: "Engineering" });
    expect(marcus.title).toMatch(/Engineering Manager/);
    expect(sofia.ownedSystems.map((s) => s.name).sort()).toEqual(["Data Warehouse", "Production Database"]);
    expect(omar.roles.map((r) => r.role)).toEqual(["SECURITY"]);
    expect(grace.roles.map((r) => r.role)).toEqual(["ADMIN"]);
    expect(ruth.roles.map((r) => r.role)).toEqual(["AUDITOR"]);
    for (const a of [priya, marcus, sofia]) expect(a.roles).toEqual([]);

    const prodDb = await p.system.findUniqueOrThrow({ where: { name: "Production Database" } });
    expect(prodDb).toMatchObject({ connector: "POSTGRES", connectorConfig: { database: "halcyon_prod" }, criticality: "CRITICAL" });
  });

  it("installs the default approval policy as version 1 and the refund separation-of-duties pair", async () => {
    const p = db.prisma;
    const v1 = await p.policyVersion.findUniqueOrThrow({ where: { version: 1 } });
    expect(v1).toMatchObject({ text: DEFAULT_POLICY_TEXT, sha256: sha256Hex(DEFAULT_POLICY_TEXT), createdById: null });
    const rule = await p.conflictRule.findFirstOrThrow();
    const [a, b] = await Promise.all([rule.entitlementAId, rule.entitlementBId].map((id) => p.entitlement.findUniqueOrThrow({ where: { id } })));
    expect([a.name, b.name]).toEqual(["payments:refund-initiate", "payments:refund-approve"]);
    expect(rule.reason).toBe("Separation of duties: the person who initiates a refund must not approve it");
  });

  it("gives everyone but the CEO a manager", async () => {
    const p = db.prisma;
    const top = await p.identity.findMany({ where: { kind: "HUMAN", managerId: null } });
    expect(top.map((t) => t.title)).toEqual(["Chief Executive Officer"]);
  });

  it("gives every non-human identity an accountable human owner, a purpose, a system and credential metadata", async () => {
    const nhis = await db.prisma.identity.findMany({ where: { kind: { not: "HUMAN" } }, include: { owner: true } });
    expect(nhis).toHaveLength(EXPECTED.nonHumanIdentities);
    for (const n of nhis) {
      expect(n.owner?.kind, n.displayName).toBe("HUMAN");
      expect(n.purpose, n.displayName).toBeTruthy();
      expect(n.systemId, n.displayName).toBeTruthy();
      expect(n.credentialKeyId, n.displayName).toBeTruthy();
      expect(n.credentialCreatedAt, n.displayName).toBeInstanceOf(Date);
      expect(n.email).toBeNull();
    }
    // Some credentials have expired and some are about to.
    expect(nhis.some((n) => n.credentialExpiresAt && n.credentialExpiresAt < NOW)).toBe(true);
    expect(nhis.some((n) => n.credentialExpiresAt && n.credentialExpiresAt > NOW && n.credentialExpiresAt.getTime() - NOW.getTime() <= 7 * DAY)).toBe(true);
  });

  it("imports all access as standing access with no request, some of it about to expire", async () => {
    const p = db.prisma;
    expect(await p.grant.count({ where: { OR: [{ origin: { not: "IMPORTED" } }, { requestId: { not: null } }] } })).toBe(0);
    expect(await p.grant.count({ where: { status: { notIn: ["ACTIVE", "REVOKED"] } } })).toBe(0);
    expect(await p.grant.count({ where: { status: "ACTIVE", expiresAt: null } })).toBeGreaterThan(EXPECTED.activeGrants / 2);
    expect(await p.grant.count({ where: { status: "ACTIVE", expiresAt: { gt: NOW, lte: new Date(NOW.getTime() + 7 * DAY) } } })).toBeGreaterThan(10);
    expect(await p.grant.count({ where: { status: "ACTIVE", expiresAt: { lte: NOW } } })).toBe(0);
    expect(await p.grant.count({ where: { startsAt: { gte: NOW } } })).toBe(0);
    expect(await p.grant.count({ where: { status: "REVOKED", OR: [{ revokedAt: null }, { revocationCause: null }] } })).toBe(0);
    expect(await p.grant.count({ where: { status: "ACTIVE", OR: [{ revokedAt: { not: null } }, { revocationCause: { not: null } }] } })).toBe(0);
    // Non-human identities hold access too.
    expect(await p.grant.count({ where: { identity: { kind: { not: "HUMAN" } } } })).toBeGreaterThan(50);
  });

  it("records one ledger event per seeded record, and the chain verifies", async () => {
    const p = db.prisma;
    const result = await verifyChain(p);
    const events = await p.ledgerEvent.count();
    expect(result.firstBroken).toBeNull();
    expect(result.checked).toBe(events);
    expect(result.headSeq).toBe(BigInt(events));

    const byAction = Object.fromEntries((await p.ledgerEvent.groupBy({ by: ["action"], _count: true })).map((g) => [g.action, g._count]));
    expect(byAction).toEqual({
      "identity.imported": EXPECTED.people + EXPECTED.nonHumanIdentities,
      "system.created": EXPECTED.systems,
      "entitlement.created": EXPECTED.entitlements,
      "grant.imported": EXPECTED.grants,
      "role.assigned": EXPECTED.roleAssignments,
      "policy.version.saved": EXPECTED.policyVersions,
      "conflictRule.created": EXPECTED.conflictRules,
      "seed.completed": 1,
    });
    expect(await p.ledgerEvent.count({ where: { actorId: { not: null } } })).toBe(0);
    const last = await p.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(last).toMatchObject({ action: "seed.completed", payload: { organisation: "Halcyon Pay", counts: EXPECTED } });
  });

  it("refuses a second seed and changes nothing", async () => {
    const before = await snapshot(db.prisma);
    expect(await isEmpty(db.prisma)).toBe(false);
    await expect(seedDemo(db.prisma, { now: NOW })).rejects.toBeInstanceOf(SeedRefusedError);
    expect(await snapshot(db.prisma)).toEqual(before);
  });

  it("builds the same organisation, down to the ledger hashes, in every fresh database", async () => {
    const other = await createTestDb();
    try {
      await seedDemo(other.prisma, { now: NOW });
      const digest = async (d: PrismaClient) => ({
        head: await d.ledgerHead.findUniqueOrThrow({ where: { id: 1 } }),
        people: await d.identity.findMany({ orderBy: { id: "asc" }, select: { id: true, email: true, displayName: true, managerId: true, title: true } }),
        grants: await d.grant.findMany({ orderBy: { id: "asc" }, select: { id: true, identityId: true, entitlementId: true, expiresAt: true } }),
      });
      expect(await digest(other.prisma)).toEqual(await digest(db.prisma));
    } finally {
      await other.close();
    }
  });
});
