/**
 * Seeds the demo organisation, "Halcyon Pay", into an empty database (see prisma/seed-data.ts for the data).
 *
 * Deterministic: names, dates relative to `now`, and ids come from a seeded PRNG and name-based UUIDs, so
 * every fresh database gets the same organisation (and, for the same `now`, the same ledger hashes).
 *
 * What it creates (prisma/seed.int.test.ts holds these numbers):
 *   149 people (146 active, 2 suspended, 1 leaver) in 11 departments, 41 non-human identities, 14 systems,
 *   80 entitlements, 870 grants (859 active, 11 revoked: the leaver's and 3 historical), 5 role
 *   assignments, the default approval policy (version 1), 1 separation-of-duties conflict rule, and
 *   1162 ledger events: one per record plus a final "seed.completed".
 *   Every grant is imported access (origin IMPORTED, no request): most standing, some expiring within days.
 *
 * Everything, rows and evidence, is written in one transaction: a failure leaves the database empty, and
 * two instances starting at once against one PostgreSQL cannot both seed (the second waits on the ledger
 * head lock, then sees the data and refuses).
 */
import { createHash } from "node:crypto";
import type { PrismaClient, Tx } from "../server/db";
import type { GrantStatus, Prisma, RevocationCause, RiskLevel } from "../server/db/generated/client";
import { recordEvent } from "../server/ledger/ledger";
import { ensureDefaultPolicy } from "../server/domain/policy/service";
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
  grants: number;
  activeGrants: number;
  revokedGrants: number;
  roleAssignments: number;
  policyVersions: number;
  conflictRules: number;
  /** Ledger events this seed appended (one per record above, plus "seed.completed"). */
  ledgerEvents: number;
};

/** One line for scripts: "149 people, 42 non-human identities, ...". */
export function describeCounts(c: SeedCounts): string {
  return `${c.people} people, ${c.nonHumanIdentities} non-human identities, ${c.systems} systems, ${c.entitlements} entitlements, ${c.grants} grants, ${c.ledgerEvents} ledger events`;
}

export const SEED_REFUSED_MESSAGE = "The database already has data; the demo organisation was not seeded.";

export class SeedRefusedError extends Error {
  constructor() {
    super(SEED_REFUSED_MESSAGE);
  }
}

/** True when the database holds no identities (so nothing a seed could collide with). */
export async function isEmpty(db: Tx): Promise<boolean> {
  return (await db.identity.count()) === 0;
}

/**
 * Creates the demo organisation and its evidence. Refuses (SeedRefusedError, nothing written) when the
 * database already has identities. `now` anchors every relative date (hire dates, expiries, ledger time).
 */
export async function seedDemo(db: PrismaClient, opts: { now?: Date } = {}): Promise<SeedCounts> {
  const now = new Date(Math.floor((opts.now ?? new Date()).getTime()));
  if (!(await isEmpty(db))) throw new SeedRefusedError();
  const org = buildDemoOrg(now);

  return db.$transaction(
    async (tx) => {
      // Take the ledger head lock first, then re-check: a concurrent seed that committed meanwhile is seen here.
      await tx.$queryRaw`SELECT "seq" FROM "LedgerHead" WHERE "id" = 1 FOR UPDATE`;
      if (!(await isEmpty(tx))) throw new SeedRefusedError();

      await tx.identity.createMany({ data: org.people });
      await tx.system.createMany({ data: org.systems });
      await tx.identity.createMany({ data: org.nhis });
      await tx.entitlement.createMany({ data: org.entitlements });
      await tx.grant.createMany({ data: org.grants });
      await tx.roleAssignment.createMany({ data: org.roles });

      const base = { actorId: null, occurredAt: now } as const;
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
      await ensureDefaultPolicy(tx, null, now, { id: stableId("policy-version", "1") });
      events++;
      for (const c of org.conflictRules) {
        await tx.conflictRule.create({ data: c });
        await record("conflictRule.created", "ConflictRule", c.id, { entitlementAId: c.entitlementAId, entitlementBId: c.entitlementBId, reason: c.reason });
      }

      const counts: SeedCounts = {
        people: org.people.length,
        nonHumanIdentities: org.nhis.length,
        systems: org.systems.length,
        entitlements: org.entitlements.length,
        grants: org.grants.length,
        activeGrants: org.grants.filter((g) => g.status === "ACTIVE").length,
        revokedGrants: org.grants.filter((g) => g.status === "REVOKED").length,
        roleAssignments: org.roles.length,
        policyVersions: 1,
        conflictRules: org.conflictRules.length,
        ledgerEvents: events + 1,
      };
      await record("seed.completed", "Seed", "demo-organisation", { organisation: COMPANY.name, counts });
      return counts;
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Building the rows (pure: same `now`, same rows)

const DAY = 86_400_000;
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
