/**
 * Seeds the demo organisation, "Halcyon Pay", into an empty database (see prisma/seed-data.ts for the data),
 * with a realistic last quarter played through the real services (prisma/seed-story.ts).
 *
 * Deterministic: names, dates relative to `now`, and ids come from a seeded PRNG and name-based UUIDs (the
 * story's rows too, see seed-story.ts), so every fresh database gets the same organisation and, for the same
 * `now` and the same evidence signing key, the same ledger hashes (checkpoint signatures depend on the key).
 *
 * Two parts, in time order (ledger times never go back):
 *  1. The import, stamped at the start of the quarter (`now` − 91 days), in ONE transaction: 149 people (146
 *     active, 2 suspended, 1 leaver whose offboarding missed one grant) in 11 departments, 41 non-human
 *     identities, 14 systems, 80 entitlements (plus the built-in Warrant API system and its 11 scopes), 870 imported grants (origin IMPORTED, no request: most standing,
 *     some expiring within days of `now`), 5 role assignments, the default approval policy (version 1) and 1
 *     separation-of-duties rule, one ledger event per record. Imported rows carry the dates of the directory
 *     export they stand for (relative to `now`).
 *  2. The last quarter (seed-story.ts has the story beat by beat): requests approved and denied, a delegation,
 *     an escalation, break-glass with its review, policy version 2, a closed access review with KEEP and
 *     REVOKE decisions and confirmed revocations, expiries, a leaver, weekly signed checkpoints; then
 *     "seed.completed" with the counts. prisma/seed.int.test.ts holds the numbers.
 *
 * Safety. The import is one transaction: two instances starting at once against one PostgreSQL cannot both
 * seed (the second waits on the ledger head lock, then sees the data and refuses), and a failure there leaves
 * the database empty. The story cannot be one transaction (each service runs its own, as in production), so
 * the import also writes the Setting "demo.seed" = {state: "playing"}; only the process whose import
 * committed plays the story, and it sets {state: "complete"} with "seed.completed" at the end. If a story step
 * fails, seedDemo throws SeedStoryError naming the step, and the marker stays "playing": `seedStatus` reports
 * the database as an incomplete demo (npm start and db:seed say so and how to start again), never silently as
 * a finished one. A database with any ledger event is not seeded (the story's past would come after it).
 * Background jobs must not run while the story plays (they would act on the real clock in the middle of the
 * past): `npm start` seeds before it starts the portal and its worker; with several instances on one
 * PostgreSQL, seed once first (`SEED_DEMO=true npm run db:seed`), then start them.
 * SEED_TIMING=1 prints how long each beat of the story took.
 */
import { createHash } from "node:crypto";
import type { PrismaClient, Tx } from "../server/db";
import type { GrantStatus, Prisma, RevocationCause, RiskLevel } from "../server/db/generated/client";
import { recordEvent } from "../server/ledger/ledger";
import { ensureWarrantApiSystem } from "../server/domain/api-clients/system";
import { ensureDefaultPolicy } from "../server/domain/policy/service";
import { loadSigningKey, type SigningKey } from "../server/evidence/keys";
import { playLastQuarter, QUARTER_DAYS, StoryStepError } from "./seed-story";
import {
  BIRTHRIGHT,
  COMPANY,
  DEPARTMENT_ACCESS,
  ENTITLEMENTS,
  EXTRA_GRANTS,
  FIRST_NAMES,
  LAST_NAMES,
  MANAGER_ACCESS,
  MAX_DAYS_BY_RISK,
  NHIS,
  PEOPLE,
  REVOKED_HISTORY,
  ROLE_ASSIGNMENTS,
  ROLE_HOLDER_GRANTS,
  SYSTEMS,
  TEAMS,
  TEAM_ACCESS,
  type AccessRule,
  type Department,
} from "./seed-data";

export type SeedCounts = {
  people: number;
  nonHumanIdentities: number;
  systems: number;
  entitlements: number;
  /** Every grant at the end: imported, and granted during the story. */
  grants: number;
  activeGrants: number;
  revokedGrants: number;
  roleAssignments: number;
  policyVersions: number;
  conflictRules: number;
  /** Access requests made during the story. */
  requests: number;
  /** Scheduled checkpoints signed during the story. */
  checkpoints: number;
  /** Ledger events the seed appended (the import, the story, and "seed.completed"). */
  ledgerEvents: number;
};

/** One line for scripts: "149 people, 42 non-human identities, ...". */
export function describeCounts(c: SeedCounts): string {
  return `${c.people} people, ${c.nonHumanIdentities} non-human identities, ${c.systems} systems, ${c.entitlements} entitlements, ${c.grants} grants, ${c.requests} requests in the last quarter, ${c.ledgerEvents} ledger events`;
}

export const SEED_REFUSED_MESSAGE = "The database already has data; the demo organisation was not seeded.";

export class SeedRefusedError extends Error {
  constructor() {
    super(SEED_REFUSED_MESSAGE);
  }
}

/** The demo's last quarter failed part-way: the organisation is there, its story is incomplete. */
export class SeedStoryError extends Error {
  constructor(readonly step: string, cause: unknown) {
    super(
      `The demo organisation was imported, but playing its last quarter failed at "${step}": ${cause instanceof Error ? cause.message : String(cause)}. ` +
        "The database holds an incomplete demo: remove it (the PGLITE_DIR folder, or drop the PostgreSQL database) and start again.",
      { cause },
    );
  }
}

/** The marker the seed keeps in Setting (see the header). */
export const SEED_MARKER = "demo.seed";

/** True when the database holds no identities (so nothing a seed could collide with). */
export async function isEmpty(db: Tx): Promise<boolean> {
  return (await db.identity.count()) === 0;
}

/** "none": not seeded; "incomplete": the import committed but the story did not finish; "complete". */
export async function seedStatus(db: Tx): Promise<"none" | "incomplete" | "complete"> {
  const row = await db.setting.findUnique({ where: { key: SEED_MARKER } });
  if (!row) return "none";
  return (row.value as { state?: string } | null)?.state === "complete" ? "complete" : "incomplete";
}

/** What the scripts print for a database that already has data. */
export async function describeExisting(db: Tx): Promise<string> {
  return (await seedStatus(db)) === "incomplete"
    ? "The database holds an INCOMPLETE demo organisation: another process is still playing its last quarter, or seeding failed part-way. If nothing else is seeding it, remove it (the PGLITE_DIR folder, or drop the PostgreSQL database) and start again."
    : SEED_REFUSED_MESSAGE;
}

const DAY = 86_400_000;

/**
 * Creates the demo organisation, its last quarter and their evidence. Refuses (SeedRefusedError, nothing
 * written) when the database already has identities or ledger events. `now` anchors every relative date;
 * `key` signs the story's checkpoints (default: the configured evidence key, as the portal would use).
 */
export async function seedDemo(db: PrismaClient, opts: { now?: Date; key?: SigningKey } = {}): Promise<SeedCounts> {
  const now = new Date(Math.floor((opts.now ?? new Date()).getTime()));
  const importedAt = new Date(now.getTime() - QUARTER_DAYS * DAY);
  if (!(await isEmpty(db))) throw new SeedRefusedError();
  // Read the key before writing anything: an unusable key file leaves the database empty.
  const key = opts.key ?? (await loadSigningKey());
  const org = buildDemoOrg(now);

  const imported = await db.$transaction(
    async (tx) => {
      // Take the ledger head lock first, then re-check: a concurrent seed that committed meanwhile is seen here.
      const [head] = await tx.$queryRaw<{ seq: bigint }[]>`SELECT "seq" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
      if (!(await isEmpty(tx)) || BigInt(head?.seq ?? 0) !== 0n) throw new SeedRefusedError();

      await tx.identity.createMany({ data: org.people });
      await tx.system.createMany({ data: org.systems });
      await tx.identity.createMany({ data: org.nhis });
      await tx.entitlement.createMany({ data: org.entitlements });
      await tx.grant.createMany({ data: org.grants });
      await tx.roleAssignment.createMany({ data: org.roles });

      const base = { actorId: null, occurredAt: importedAt } as const;
      let events = 0;
      const record = async (action: string, subjectType: string, subjectId: string, payload: Record<string, unknown>) => {
        await recordEvent(tx, { ...base, action, subjectType, subjectId, payload: { ...payload, source: "demo seed" } });
        events++;
      };
      for (const p of org.people) {
        await record("identity.imported", "Identity", p.id, {
          kind: p.kind,
          displayName: p.displayName,
          email: p.email,
          department: p.department,
          title: p.title,
          managerId: p.managerId ?? null,
          status: p.status,
        });
      }
      for (const s of org.systems) {
        await record("system.created", "System", s.id, { name: s.name, ownerId: s.ownerId, criticality: s.criticality, connector: s.connector });
      }
      for (const n of org.nhis) {
        await record("identity.imported", "Identity", n.id, {
          kind: n.kind,
          displayName: n.displayName,
          status: n.status,
          ownerId: n.ownerId,
          systemId: n.systemId,
          purpose: n.purpose,
          credentialKeyId: n.credentialKeyId ?? null,
          credentialExpiresAt: n.credentialExpiresAt ?? null,
        });
      }
      for (const e of org.entitlements) {
        await record("entitlement.created", "Entitlement", e.id, {
          systemId: e.systemId,
          name: e.name,
          risk: e.risk,
          privileged: e.privileged,
          ownerId: e.ownerId ?? null,
          requestable: e.requestable,
          maxDurationDays: e.maxDurationDays,
          externalRef: e.externalRef,
        });
      }
      for (const g of org.grants) {
        await record("grant.imported", "Grant", g.id, {
          identityId: g.identityId,
          entitlementId: g.entitlementId,
          status: g.status,
          origin: g.origin,
          requestId: null,
          startsAt: g.startsAt,
          expiresAt: g.expiresAt ?? null,
          ...(g.status === "REVOKED" ? { revokedAt: g.revokedAt, revocationCause: g.revocationCause, revokedById: g.revokedById ?? null } : {}),
        });
      }
      for (const r of org.roles) {
        await record("role.assigned", "Identity", r.identityId, { role: r.role });
      }

      // The default approval policy (version 1; it records its own "policy.version.saved") and the
      // separation-of-duties pairs it enforces.
      await ensureDefaultPolicy(tx, null, importedAt, { id: stableId("policy-version", "1") });
      events++;
      // The built-in Warrant API system (its entitlements are the REST API's scopes), owned by the admin.
      const admins = org.roles.filter((r) => r.role === "ADMIN").map((r) => r.identityId);
      await ensureWarrantApiSystem(tx, { ownerId: admins[0] ?? null, actorId: null, now: importedAt, source: "demo seed", idFor: (scope) => stableId("entitlement", `warrant-api:${scope}`) });
      for (const c of org.conflictRules) {
        await tx.conflictRule.create({ data: { ...c, createdAt: importedAt } });
        await record("conflictRule.created", "ConflictRule", c.id, { entitlementAId: c.entitlementAId, entitlementBId: c.entitlementBId, reason: c.reason });
      }

      await tx.setting.create({ data: { key: SEED_MARKER, value: { state: "playing", importedAt: importedAt.toISOString() } } });
      return { events };
    },
    { timeout: 600_000, maxWait: 60_000 },
  );

  let story;
  try {
    story = await playLastQuarter(db, { now, key, stableId, personId: (k) => stableId("identity", k), entId: (n) => stableId("entitlement", n) });
  } catch (e) {
    throw e instanceof StoryStepError ? new SeedStoryError(e.step, e.cause) : new SeedStoryError("the story", e);
  }

  return db.$transaction(async (tx) => {
    const events = await tx.ledgerEvent.count();
    const counts: SeedCounts = {
      people: org.people.length,
      nonHumanIdentities: org.nhis.length,
      // With the built-in Warrant API system and its scopes.
      systems: await tx.system.count(),
      entitlements: await tx.entitlement.count(),
      grants: await tx.grant.count(),
      activeGrants: await tx.grant.count({ where: { status: "ACTIVE" } }),
      revokedGrants: await tx.grant.count({ where: { status: "REVOKED" } }),
      roleAssignments: org.roles.length,
      policyVersions: await tx.policyVersion.count(),
      conflictRules: org.conflictRules.length,
      requests: story.requests,
      checkpoints: story.checkpoints,
      ledgerEvents: events + 1,
    };
    if (imported.events > events) throw new Error("the ledger lost events while seeding");
    await recordEvent(tx, {
      actorId: null,
      occurredAt: story.endedAt,
      action: "seed.completed",
      subjectType: "Seed",
      subjectId: "demo-organisation",
      payload: { organisation: COMPANY.name, counts, importedAt, campaignId: story.campaignId, leaverId: story.leaverId, source: "demo seed" },
    });
    await tx.setting.update({ where: { key: SEED_MARKER }, data: { value: { state: "complete", importedAt: importedAt.toISOString(), completedAt: story.endedAt.toISOString() } } });
    return counts;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Building the rows (pure: same `now`, same rows)

const SEED = 0x4a1c_70e5;

/** Separation-of-duties pairs: nobody may hold both (the default policy's "separation-of-duties"). */
const CONFLICT_PAIRS: [string, string, string][] = [
  ["payments:refund-initiate", "payments:refund-approve", "Separation of duties: the person who initiates a refund must not approve it"],
];

/** mulberry32: small, fast, good enough for demo data, and the same on every platform. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

/** A name-based UUID (RFC 4122 layout, version 5 nibble, SHA-256 of the key): stable across runs. */
export function stableId(kind: string, key: string): string {
  const h = createHash("sha256").update(`${COMPANY.domain}/${kind}/${key}`).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ascii = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");

type WithId<T> = T & { id: string };

type Person = {
  key: string;
  name: string;
  title: string;
  department: Department;
  managerKey: string | null;
  team: string | null;
  hiredDaysAgo: number;
  status: "ACTIVE" | "SUSPENDED" | "DEPROVISIONED";
  leftDaysAgo?: number;
  missedAtOffboarding?: string[];
};

type GrantIntent = {
  holderId: string;
  holderKey: string;
  ent: string;
  startsAt: Date;
  expiresAt: Date | null;
  status: GrantStatus;
  revokedAt?: Date;
  revocationCause?: RevocationCause;
  revokedById?: string | null;
  revocationNote?: string;
};

export function buildDemoOrg(now: Date) {
  const rnd = prng(SEED);
  const at = (daysFromNow: number) => new Date(now.getTime() + daysFromNow * DAY);

  // People: the named ones, then each team's generated members (their manager is the team lead).
  const persons: Person[] = Object.entries(PEOPLE).map(([key, p]) => ({
    key,
    name: p.name,
    title: p.title,
    department: p.department,
    managerKey: p.manager,
    team: p.team ?? null,
    hiredDaysAgo: p.hiredDaysAgo,
    status: p.status ?? "ACTIVE",
    leftDaysAgo: p.leftDaysAgo,
    missedAtOffboarding: p.missedAtOffboarding,
  }));
  const used = new Set(persons.map((p) => p.key));
  const usedNames = new Set(persons.map((p) => p.name));
  for (const team of TEAMS) {
    if (!PEOPLE[team.lead]) throw new Error(`seed data: team ${team.key} has an unknown lead ${team.lead}`);
    for (const [title, count] of team.members) {
      for (let i = 0; i < count; i++) {
        let first: string, last: string, key: string;
        do {
          first = rnd.pick(FIRST_NAMES);
          last = rnd.pick(LAST_NAMES);
          key = `${ascii(first)}.${ascii(last)}`;
        } while (used.has(key) || usedNames.has(`${first} ${last}`));
        used.add(key);
        usedNames.add(`${first} ${last}`);
        persons.push({
          key,
          name: `${first} ${last}`,
          title,
          department: team.department,
          managerKey: team.lead,
          team: team.key,
          hiredDaysAgo: rnd.int(35, 1900),
          status: "ACTIVE",
        });
      }
    }
  }
  const personByKey = new Map(persons.map((p) => [p.key, p]));
  const personId = (key: string) => {
    if (!personByKey.has(key)) throw new Error(`seed data: unknown person ${key}`);
    return stableId("identity", key);
  };
  for (const p of persons) if (p.managerKey) personId(p.managerKey);
  if (persons.filter((p) => p.managerKey === null).length !== 1) throw new Error("seed data: exactly one person (the CEO) has no manager");

  // Managers before their reports, so the self-referencing foreign key is satisfied row by row.
  const depth = (p: Person): number => (p.managerKey ? 1 + depth(personByKey.get(p.managerKey)!) : 0);
  const ordered = persons.map((p, i) => ({ p, i, d: depth(p) })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.p);

  const people: WithId<Prisma.IdentityCreateManyInput>[] = ordered.map((p) => ({
    id: personId(p.key),
    kind: "HUMAN",
    status: p.status,
    displayName: p.name,
    email: `${p.key}@${COMPANY.domain}`,
    department: p.department,
    title: p.title,
    managerId: p.managerKey ? personId(p.managerKey) : null,
  }));

  const systemId = (key: string) => {
    if (!SYSTEMS[key]) throw new Error(`seed data: unknown system ${key}`);
    return stableId("system", key);
  };
  const systems: WithId<Prisma.SystemCreateManyInput>[] = Object.entries(SYSTEMS).map(([key, s]) => ({
    id: systemId(key),
    name: s.name,
    description: s.description,
    ownerId: personId(s.owner),
    criticality: s.criticality,
    connector: s.connector ?? "MANUAL",
    connectorConfig: s.connectorConfig ?? {},
  }));

  const entByName = new Map(ENTITLEMENTS.map((e) => [e.name, e]));
  if (entByName.size !== ENTITLEMENTS.length) throw new Error("seed data: duplicate entitlement names");
  const entId = (name: string) => {
    if (!entByName.has(name)) throw new Error(`seed data: unknown entitlement ${name}`);
    return stableId("entitlement", name);
  };
  const entitlements: WithId<Prisma.EntitlementCreateManyInput>[] = ENTITLEMENTS.map((e) => ({
    id: entId(e.name),
    systemId: systemId(e.system),
    name: e.name,
    description: e.description,
    risk: e.risk,
    privileged: e.privileged ?? false,
    ownerId: e.owner ? personId(e.owner) : null,
    requestable: e.requestable ?? true,
    maxDurationDays: e.maxDurationDays ?? MAX_DAYS_BY_RISK[e.risk],
    externalRef: e.externalRef,
  }));

  const nhiId = (name: string) => stableId("nhi", name);
  const hex = (n: number) => Array.from({ length: n }, () => rnd.int(0, 15).toString(16)).join("");
  const nhis: WithId<Prisma.IdentityCreateManyInput>[] = NHIS.map((n) => ({
    id: nhiId(n.name),
    kind: n.kind,
    status: "ACTIVE",
    displayName: n.name,
    ownerId: personId(n.owner),
    purpose: n.purpose,
    systemId: systemId(n.system),
    credentialKeyId: `${n.keyPrefix}-${hex(8)}`,
    credentialCreatedAt: at(-n.createdDaysAgo),
    credentialRotatedAt: n.rotatedDaysAgo !== undefined ? at(-n.rotatedDaysAgo) : null,
    credentialExpiresAt: n.expiresInDays !== undefined ? at(n.expiresInDays) : null,
  }));

  // Grants. Later intents for the same holder and entitlement replace earlier ones (explicit beats rule).
  const intents = new Map<string, GrantIntent>();
  const put = (g: GrantIntent) => intents.set(`${g.holderKey}|${g.ent}`, g);

  /** Expiry for access imported without an explicit one: mostly standing, some ending soon, some in months. */
  const randomExpiry = (risk: RiskLevel): Date | null => {
    const r = rnd.next();
    if (risk === "LOW") return r < 0.9 ? null : at(rnd.int(60, 300));
    if (risk === "MEDIUM") return r < 0.65 ? null : r < 0.75 ? at(rnd.int(1, 7)) : at(rnd.int(20, 240));
    return r < 0.45 ? null : r < 0.65 ? at(rnd.int(1, 7)) : at(rnd.int(7, 150));
  };
  const startFor = (p: Person, expiresAt: Date | null, firstDays = 30): Date => {
    // Short-lived access started recently; standing access some time after the person joined.
    if (expiresAt && expiresAt.getTime() - now.getTime() <= 14 * DAY) return at(-Math.min(rnd.int(1, 20), p.hiredDaysAgo));
    return at(-p.hiredDaysAgo + rnd.int(0, Math.min(firstDays, p.hiredDaysAgo - 1)));
  };
  const expiryOf = (spec: number | null | undefined, ent: string): Date | null =>
    spec === undefined ? randomExpiry(entByName.get(ent)!.risk) : spec === null ? null : at(spec);

  const managers = new Set(persons.map((p) => p.managerKey).filter((k): k is string => k !== null));
  const ruleEnt = (rule: AccessRule) => (typeof rule === "string" ? { ent: rule, share: 1 } : rule);

  for (const p of persons) {
    const id = personId(p.key);
    const hired = at(-p.hiredDaysAgo);
    for (const ent of BIRTHRIGHT) {
      entId(ent);
      put({ holderId: id, holderKey: p.key, ent, startsAt: hired, expiresAt: null, status: "ACTIVE" });
    }
    if (managers.has(p.key)) {
      for (const ent of MANAGER_ACCESS) put({ holderId: id, holderKey: p.key, ent, startsAt: at(-p.hiredDaysAgo + rnd.int(0, 10)), expiresAt: null, status: "ACTIVE" });
    }
    const rules = [...(DEPARTMENT_ACCESS[p.department] ?? []), ...(p.team ? (TEAM_ACCESS[p.team] ?? []) : [])];
    for (const rule of rules) {
      const { ent, share } = ruleEnt(rule);
      entId(ent);
      if (share < 1 && !rnd.chance(share)) continue;
      const expiresAt = p.status === "DEPROVISIONED" ? null : randomExpiry(entByName.get(ent)!.risk);
      put({ holderId: id, holderKey: p.key, ent, startsAt: startFor(p, expiresAt), expiresAt, status: "ACTIVE" });
    }
  }
  for (const rh of ROLE_HOLDER_GRANTS) {
    const team = TEAMS.find((t) => t.key === rh.team);
    const holder = persons.find((p) => p.team === rh.team && p.title === rh.title && p.managerKey === team?.lead && !PEOPLE[p.key]);
    if (!holder) throw new Error(`seed data: no generated ${rh.title} in ${rh.team}`);
    const expiresAt = expiryOf(rh.expiresInDays, rh.ent);
    put({ holderId: personId(holder.key), holderKey: holder.key, ent: rh.ent, startsAt: startFor(holder, expiresAt, 400), expiresAt, status: "ACTIVE" });
  }
  for (const x of EXTRA_GRANTS) {
    const p = personByKey.get(x.holder);
    if (!p) throw new Error(`seed data: unknown person ${x.holder}`);
    entId(x.ent);
    const expiresAt = expiryOf(x.expiresInDays, x.ent);
    put({ holderId: personId(p.key), holderKey: p.key, ent: x.ent, startsAt: startFor(p, expiresAt, 400), expiresAt, status: "ACTIVE" });
  }

  // Leavers: access revoked on the day they left, except what the offboarding missed.
  const grace = personId("grace.kim");
  for (const p of persons.filter((x) => x.status === "DEPROVISIONED")) {
    const left = at(-(p.leftDaysAgo ?? 1));
    for (const g of intents.values()) {
      if (g.holderKey !== p.key || p.missedAtOffboarding?.includes(g.ent)) continue;
      Object.assign(g, {
        status: "REVOKED",
        expiresAt: null,
        revokedAt: left,
        revocationCause: "LEAVER",
        revokedById: grace,
        revocationNote: `Leaver: Workday termination processed on ${left.toISOString().slice(0, 10)}.`,
      } satisfies Partial<GrantIntent>);
    }
  }

  for (const n of NHIS) {
    for (const ent of n.grants) {
      entId(ent);
      put({ holderId: nhiId(n.name), holderKey: `nhi:${n.name}`, ent, startsAt: at(-n.createdDaysAgo + rnd.int(0, 5)), expiresAt: null, status: "ACTIVE" });
    }
  }

  const grantRows: WithId<Prisma.GrantCreateManyInput>[] = [...intents.values()].map((g) => ({
    id: stableId("grant", `${g.holderKey}|${g.ent}`),
    identityId: g.holderId,
    entitlementId: entId(g.ent),
    status: g.status,
    origin: "IMPORTED",
    requestId: null,
    startsAt: g.startsAt,
    expiresAt: g.expiresAt,
    revokedAt: g.revokedAt ?? null,
    revocationCause: g.revocationCause ?? null,
    revokedById: g.revokedById ?? null,
    revocationNote: g.revocationNote ?? null,
  }));
  // History: access that ended before the import (the same person may hold the entitlement again later).
  for (const h of REVOKED_HISTORY) {
    const revokedAt = at(-h.revokedDaysAgo);
    grantRows.push({
      id: stableId("grant", `${h.holder}|${h.ent}|history`),
      identityId: personId(h.holder),
      entitlementId: entId(h.ent),
      status: "REVOKED",
      origin: "IMPORTED",
      requestId: null,
      startsAt: at(-h.startedDaysAgo),
      expiresAt: h.cause === "EXPIRY" ? revokedAt : null,
      revokedAt,
      revocationCause: h.cause,
      revokedById: h.by ? personId(h.by) : null,
      revocationNote: h.note,
    });
  }

  const roles: Prisma.RoleAssignmentCreateManyInput[] = ROLE_ASSIGNMENTS.map((r) => ({ identityId: personId(r.person), role: r.role }));

  const conflictRules = CONFLICT_PAIRS.map(([a, b, reason]) => ({ id: stableId("conflict-rule", `${a}|${b}`), entitlementAId: entId(a), entitlementBId: entId(b), reason, createdAt: now }));

  return { people, systems, nhis, entitlements, grants: grantRows, roles, conflictRules };
}
