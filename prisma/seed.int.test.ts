import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../server/testing/db";
import { verifyChain } from "../server/ledger/ledger";
import type { PrismaClient } from "../server/db";
import { describeExisting, isEmpty, seedDemo, SeedRefusedError, seedStatus, SeedStoryError, type SeedCounts } from "./seed";
import { POLICY_V2_TEXT, QUARTER_DAYS } from "./seed-story";
import { DEFAULT_POLICY_TEXT } from "../server/domain/policy/default-policy";
import { sha256Hex } from "../server/domain/policy/evaluate";
import { checkpointMessage, FILES, verifyEd25519, type ControlLine, type Manifest } from "../server/evidence/format";
import { entry, exportTo, packDir, readZip, useTempKey } from "../server/evidence/pack-kit";
import { formatReport, verifyPack } from "../server/evidence/verify";
import { EVENT_LABELS, eventLabel } from "../server/domain/audit/schema";

// The story signs checkpoints: a throwaway key, configured before anything reads the environment.
const keyDir = packDir();
const key = useTempKey(keyDir);

const NOW = new Date("2026-03-02T09:00:00.000Z");
const DAY = 86_400_000;
const QUARTER_START = new Date(NOW.getTime() - QUARTER_DAYS * DAY);

/** The documented size of the demo organisation (prisma/seed.ts header) at the end of its last quarter. */
const EXPECTED: SeedCounts = {
  people: 149,
  nonHumanIdentities: 41,
  // 14 of the organisation and the built-in Warrant API system with its 11 scopes.
  systems: 15,
  entitlements: 91,
  grants: 875,
  activeGrants: 855,
  revokedGrants: 20,
  roleAssignments: 5,
  policyVersions: 2,
  conflictRules: 1,
  requests: 7,
  checkpoints: 11,
  ledgerEvents: 1326,
};
/** The import alone (part 1 of the seed): 859 active and 11 revoked grants before the story. */
const IMPORTED = { grants: 870 };

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
  const idOf = async (local: string) => (await db.prisma.identity.findUniqueOrThrow({ where: { email: `${local}@halcyon.example` } })).id;

  beforeAll(async () => {
    db = await createTestDb();
    expect(await isEmpty(db.prisma)).toBe(true);
    counts = await seedDemo(db.prisma, { now: NOW });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(keyDir, { recursive: true, force: true });
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
    // Two leavers: one imported (its offboarding missed a grant), one in the story.
    expect(await p.identity.count({ where: { kind: "HUMAN", status: "DEPROVISIONED" } })).toBe(2);
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
    expect(prodDb).toMatchObject({ connector: "POSTGRES", connectorConfig: { database: "halcyon_prod", host: "127.0.0.1", port: 54329 }, criticality: "CRITICAL" });
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
    const imported = { origin: "IMPORTED" as const };
    expect(await p.grant.count({ where: imported })).toBe(IMPORTED.grants);
    expect(await p.grant.count({ where: { ...imported, requestId: { not: null } } })).toBe(0);
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

  it("records the import at the start of the quarter and the story after it, in order, and the chain verifies", async () => {
    const p = db.prisma;
    const result = await verifyChain(p);
    const events = await p.ledgerEvent.count();
    expect(result.firstBroken).toBeNull();
    expect(result.checked).toBe(events);
    expect(result.headSeq).toBe(BigInt(events));
    expect(events).toBe(EXPECTED.ledgerEvents);

    // The import: one event per imported record, all stamped at the start of the quarter, by the system.
    const importActions = ["identity.imported", "system.created", "entitlement.created", "grant.imported", "role.assigned", "conflictRule.created"];
    const atStart = Object.fromEntries(
      (await p.ledgerEvent.groupBy({ by: ["action"], where: { occurredAt: QUARTER_START, actorId: null, action: { in: [...importActions, "policy.version.saved"] } }, _count: true })).map((g) => [g.action, g._count]),
    );
    expect(atStart).toEqual({
      "identity.imported": EXPECTED.people + EXPECTED.nonHumanIdentities,
      "system.created": EXPECTED.systems,
      "entitlement.created": EXPECTED.entitlements,
      "grant.imported": IMPORTED.grants,
      "role.assigned": EXPECTED.roleAssignments,
      "policy.version.saved": 1,
      "conflictRule.created": EXPECTED.conflictRules,
    });
    // Nothing else imports anything.
    expect(await p.ledgerEvent.count({ where: { action: { in: importActions } } })).toBe(Object.values(atStart).reduce((x, y) => x + y, 0) - 1);

    // Times never go back along the chain, and the whole story lies within the quarter.
    const times = (await p.ledgerEvent.findMany({ orderBy: { seq: "asc" }, select: { occurredAt: true } })).map((e) => e.occurredAt.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i], `seq ${i + 1}`).toBeGreaterThanOrEqual(times[i - 1]);
    expect(times[0]).toBe(QUARTER_START.getTime());
    expect(times[times.length - 1]).toBeLessThan(NOW.getTime());
    // People acted in the story (not only the system).
    expect(await p.ledgerEvent.count({ where: { actorId: { not: null } } })).toBeGreaterThan(30);

    const last = await p.ledgerEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(last).toMatchObject({ action: "seed.completed", payload: { organisation: "Halcyon Pay", counts: EXPECTED } });
    expect(await seedStatus(p)).toBe("complete");
  });

  it("plays requests approved and denied under the default policy, with their policy decisions", async () => {
    const p = db.prisma;
    const requests = await p.accessRequest.findMany({ include: { steps: true, grant: true, entitlement: true }, orderBy: { createdAt: "asc" } });
    expect(requests).toHaveLength(EXPECTED.requests);
    // Nothing is left pending: the portal's inboxes start empty.
    expect(requests.filter((r) => r.status === "PENDING")).toEqual([]);
    expect(await p.approvalStep.count({ where: { status: { in: ["OPEN", "WAITING"] } } })).toBe(0);
    expect(await p.provisioningTask.count({ where: { status: { not: "DONE" } } })).toBe(0);

    // Denied by the policy: separation of duties, with the determining policy and the version's hash.
    const byPolicy = requests.filter((r) => r.status === "DENIED" && r.steps.length === 0);
    expect(byPolicy).toHaveLength(1);
    const v1 = await p.policyVersion.findUniqueOrThrow({ where: { version: 1 } });
    expect(byPolicy[0]).toMatchObject({ policyVersionId: v1.id, policyHash: v1.sha256, entitlement: { name: "payments:refund-initiate" } });
    expect(byPolicy[0].policyDecision).toMatchObject({ allowed: false, determining: ["separation-of-duties"] });
    // Denied by an approver, with the reason.
    const byApprover = requests.filter((r) => r.status === "DENIED" && r.steps.some((s) => s.status === "DENIED"));
    expect(byApprover).toHaveLength(1);
    expect(byApprover[0].steps.find((s) => s.status === "DENIED")).toMatchObject({ kind: "MANAGER", decidedById: await idOf("nadia.petrova") });
    // Approved: each through its stages, granted, provisioned (confirmed by a person) and, by now, expired.
    const approved = requests.filter((r) => r.status === "APPROVED");
    expect(approved).toHaveLength(5);
    for (const r of approved) {
      expect(r.grant, r.entitlement.name).toMatchObject({ status: "REVOKED", revocationCause: "EXPIRY" });
      const tasks = await p.provisioningTask.findMany({ where: { grantId: r.grant!.id }, orderBy: { createdAt: "asc" } });
      expect(tasks.map((t) => [t.action, t.status, t.confirmedById !== null])).toEqual([
        ["GRANT", "DONE", true],
        ["REVOKE", "DONE", true],
      ]);
    }
    const privileged = approved.find((r) => r.entitlement.name === "vault:read-prod-secrets")!;
    expect(privileged.steps.map((s) => [s.kind, s.status])).toEqual([
      ["OWNER", "APPROVED"],
      ["SECURITY", "APPROVED"],
    ]);
  });

  it("plays a delegation used by the delegate and an escalation decided by a fallback approver", async () => {
    const p = db.prisma;
    const delegation = await p.delegation.findFirstOrThrow();
    expect(delegation).toMatchObject({ fromId: await idOf("marcus.chen"), toId: await idOf("rebecca.thornton") });
    const viaDelegation = await p.approvalStep.findMany({ where: { decidedById: delegation.toId, status: "APPROVED" } });
    expect(viaDelegation).toHaveLength(1);
    expect(viaDelegation[0].authority).toMatchObject({ kind: "MANAGER_OF", via: { delegationId: delegation.id } });

    const escalated = await p.approvalStep.findMany({ where: { escalatedAt: { not: null } } });
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ kind: "MANAGER", status: "APPROVED", decidedById: await idOf("yusuf.demir"), authority: { kind: "FALLBACK" } });
    expect(await p.ledgerEvent.count({ where: { action: "approval.escalated", subjectId: escalated[0].requestId } })).toBe(1);
  });

  it("plays break-glass access reviewed by security after the fact", async () => {
    const p = db.prisma;
    const bg = await p.accessRequest.findFirstOrThrow({ where: { emergency: true }, include: { grant: true } });
    expect(bg).toMatchObject({ status: "APPROVED", incidentRef: "INC-4790", reviewedById: await idOf("omar.haddad"), grant: { origin: "BREAK_GLASS", status: "REVOKED", revocationCause: "EXPIRY" } });
    expect(bg.reviewedAt!.getTime()).toBeLessThanOrEqual(bg.reviewDueAt!.getTime());
    expect(await p.ledgerEvent.count({ where: { action: "break_glass.reviewed", subjectId: bg.id } })).toBe(1);
  });

  it("publishes policy version 2 during the quarter", async () => {
    const v2 = await db.prisma.policyVersion.findUniqueOrThrow({ where: { version: 2 } });
    expect(v2).toMatchObject({ text: POLICY_V2_TEXT, sha256: sha256Hex(POLICY_V2_TEXT), createdById: await idOf("grace.kim") });
    expect(v2.createdAt.getTime()).toBeGreaterThan(QUARTER_START.getTime());
  });

  it("closes an access review with KEEP and REVOKE decisions whose revocations were confirmed", async () => {
    const p = db.prisma;
    const campaign = await p.campaign.findFirstOrThrow({ include: { items: { include: { grant: true } } } });
    expect(campaign).toMatchObject({ name: "Payments Ledger access review", status: "CLOSED" });
    const items = campaign.items;
    expect(items.length).toBe(campaign.populationCount);
    expect(items.every((i) => i.decision !== null && !i.defaulted && i.decidedById !== i.identityId)).toBe(true);
    const revoked = items.filter((i) => i.decision === "REVOKE");
    expect(revoked).toHaveLength(2);
    expect(items.filter((i) => i.decision === "KEEP").length).toBe(items.length - 2);
    for (const i of revoked) {
      expect(i).toMatchObject({ remediation: "CONFIRMED", grant: { status: "REVOKED", revocationCause: "REVIEW" } });
    }
  });

  it("offboards a leaver: deprovisioned, every grant revoked and confirmed", async () => {
    const p = db.prisma;
    const done = await p.ledgerEvent.findFirstOrThrow({ where: { action: "seed.completed" } });
    const leaverId = (done.payload as { leaverId: string }).leaverId;
    const leaver = await p.identity.findUniqueOrThrow({ where: { id: leaverId }, include: { grants: true } });
    expect(leaver.status).toBe("DEPROVISIONED");
    expect(leaver.grants.length).toBeGreaterThanOrEqual(2);
    expect(leaver.grants.filter((g) => g.status !== "REVOKED")).toEqual([]);
    expect(leaver.grants.every((g) => g.revocationCause === "LEAVER")).toBe(true);
    expect(await p.ledgerEvent.count({ where: { action: "identity.deprovisioned", subjectId: leaverId } })).toBe(1);
  });

  it("signs scheduled checkpoints through the quarter, each verifying against the ledger", async () => {
    const p = db.prisma;
    const cps = await p.checkpoint.findMany({ orderBy: { seq: "asc" } });
    expect(cps).toHaveLength(EXPECTED.checkpoints);
    expect(cps.every((c) => c.reason === "schedule")).toBe(true);
    // Spread over the quarter: roughly weekly.
    expect(cps[cps.length - 1].signedAt.getTime() - cps[0].signedAt.getTime()).toBeGreaterThan(80 * DAY);
    for (const c of cps) {
      const ev = await p.ledgerEvent.findUniqueOrThrow({ where: { seq: c.seq } });
      expect(ev.hash).toBe(c.headHash);
      const message = checkpointMessage({ seq: c.seq.toString(), headHash: c.headHash, signedAt: c.signedAt.toISOString(), keyId: c.keyId });
      expect(verifyEd25519(message, c.signature, key.publicKeyPem)).toBe(true);
    }
  });

  it("exports an evidence pack of the quarter that verifies VALID with a non-zero population for every check", async () => {
    const file = path.join(keyDir, "quarter.zip");
    await exportTo(db.prisma, file, { from: QUARTER_START, to: NOW });
    const r = await verifyPack(file, { publicKeyPem: key.publicKeyPem });
    const report = formatReport(r);
    expect(r.verdict, report).toBe("VALID");

    // Every check the verifier reports (whatever they are: the list is read from its output, so a new check
    // that finds nothing to check in the demo's quarter fails here).
    const lines = [...report.matchAll(/^(.+): (\d+)\/(\d+) valid/gm)].map((m) => ({ name: m[1], passed: Number(m[2]), total: Number(m[3]) }));
    expect(lines.length).toBe(r.checks.length);
    for (const l of lines) {
      expect(l.total, `${l.name}: nothing to check`).toBeGreaterThan(0);
      expect(l.passed, l.name).toBe(l.total);
    }
    // Every control check in the pack has a population, and every data file has rows.
    const zip = await readZip(file);
    const controls = entry(zip, FILES.controls)
      .data.toString("utf8")
      .split("\n")
      .filter((x) => x.trim())
      .map((x) => JSON.parse(x) as ControlLine)
      .filter((c): c is Extract<ControlLine, { type: "check" }> => c.type === "check");
    expect(controls.length).toBeGreaterThan(0);
    for (const c of controls) expect(c.population, `control ${c.id}: empty population`).toBeGreaterThan(0);
    const manifest = JSON.parse(entry(zip, FILES.manifest).data.toString("utf8")) as Manifest;
    // scope-exclusions.jsonl is empty by definition in a pack without systems; the reconciliation files stay
    // empty until someone reconciles a system (the demo target is started with the portal, after the seed).
    const emptyByDesign = new Set<string>([FILES.scopeExclusions, FILES.reconciliationRuns, FILES.reconciliationFindings, FILES.reconciliationFindingsCsv]);
    for (const f of manifest.files) if (typeof f.rows === "number" && !emptyByDesign.has(f.path)) expect(f.rows, `${f.path}: no rows`).toBeGreaterThan(0);
  });

  it("has words for every event code the demo ledger holds (pages show words, not codes)", async () => {
    const actions = (await db.prisma.ledgerEvent.findMany({ distinct: ["action"], select: { action: true } })).map((r) => r.action).sort();
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((a) => !(a in EVENT_LABELS))).toEqual([]);
    expect(eventLabel("grant.revoke_failed")).toBe("Removal failed");
    expect(eventLabel("widget.was_frobbed")).toBe("Widget was frobbed");
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
        // The seed's last event (an export in another test may have appended after it).
        completed: await d.ledgerEvent.findFirstOrThrow({ where: { action: "seed.completed" }, select: { seq: true, hash: true } }),
        reviewItems: await d.reviewItem.findMany({ orderBy: { id: "asc" }, select: { id: true, grantId: true, decision: true } }),
        people: await d.identity.findMany({ orderBy: { id: "asc" }, select: { id: true, email: true, displayName: true, managerId: true, title: true } }),
        grants: await d.grant.findMany({ orderBy: { id: "asc" }, select: { id: true, identityId: true, entitlementId: true, expiresAt: true } }),
      });
      expect(await digest(other.prisma)).toEqual(await digest(db.prisma));
    } finally {
      await other.close();
    }
  });
});

describe("demo seed whose last quarter fails part-way", () => {
  it("says which step failed, leaves the import marked incomplete (never as a finished demo), and refuses to seed over it", async () => {
    const db = await createTestDb();
    try {
      // A key that cannot sign: the story fails at its first checkpoint, after the import committed.
      const { privateKey, publicKey } = generateKeyPairSync("x25519");
      const broken = { keyId: "0000000000000000", privateKey, publicKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(), file: "(test)" };
      const err = await seedDemo(db.prisma, { now: NOW, key: broken }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SeedStoryError);
      expect((err as SeedStoryError).step).toBe("registering the evidence key");
      expect((err as Error).message).toMatch(/failed at "registering the evidence key".*remove it .* and start again/);
      expect(await seedStatus(db.prisma)).toBe("incomplete");
      expect(await describeExisting(db.prisma)).toMatch(/INCOMPLETE demo organisation/);
      expect(await db.prisma.ledgerEvent.count({ where: { action: "seed.completed" } })).toBe(0);
      const before = await snapshot(db.prisma);
      await expect(seedDemo(db.prisma, { now: NOW })).rejects.toBeInstanceOf(SeedRefusedError);
      expect(await snapshot(db.prisma)).toEqual(before);
    } finally {
      await db.close();
    }
  });
});
