/**
 * Test factories: create exactly what a test needs, directly in the database (bypassing services and the
 * ledger on purpose: they set the scene, they are not under test).
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../db";
import type { IdentityKind, RiskLevel, Role } from "../db/generated/client";
import { createCallerFactory } from "../trpc/init";
import { appRouter } from "../trpc/root";

let n = 0;
const uniq = () => `${++n}-${randomUUID().slice(0, 8)}`;

export async function makeHuman(db: PrismaClient, opts: { name?: string; department?: string; managerId?: string; roles?: Role[]; status?: "ACTIVE" | "SUSPENDED" | "DEPROVISIONED" } = {}) {
  const u = uniq();
  return db.identity.create({
    data: {
      kind: "HUMAN",
      displayName: opts.name ?? `Person ${u}`,
      email: `person-${u}@example.test`,
      department: opts.department ?? "Engineering",
      managerId: opts.managerId,
      status: opts.status ?? "ACTIVE",
      roles: opts.roles?.length ? { create: opts.roles.map((role) => ({ role })) } : undefined,
    },
  });
}

export async function makeNhi(db: PrismaClient, ownerId: string, opts: { kind?: Exclude<IdentityKind, "HUMAN">; name?: string } = {}) {
  return db.identity.create({
    data: { kind: opts.kind ?? "SERVICE_ACCOUNT", displayName: opts.name ?? `svc-${uniq()}`, ownerId, purpose: "test workload" },
  });
}

export async function makeSystem(db: PrismaClient, ownerId: string, opts: { name?: string } = {}) {
  return db.system.create({ data: { name: opts.name ?? `System ${uniq()}`, ownerId, description: "test system" } });
}

export async function makeEntitlement(db: PrismaClient, systemId: string, opts: { name?: string; risk?: RiskLevel; privileged?: boolean; ownerId?: string; maxDurationDays?: number } = {}) {
  return db.entitlement.create({
    data: { systemId, name: opts.name ?? `role-${uniq()}`, risk: opts.risk ?? "LOW", privileged: opts.privileged ?? false, ownerId: opts.ownerId, maxDurationDays: opts.maxDurationDays ?? 90 },
  });
}

export async function makeGrant(db: PrismaClient, identityId: string, entitlementId: string, opts: { expiresAt?: Date | null; origin?: "REQUEST" | "IMPORTED" } = {}) {
  return db.grant.create({
    data: { identityId, entitlementId, status: "ACTIVE", origin: opts.origin ?? "IMPORTED", startsAt: new Date(), expiresAt: opts.expiresAt ?? null },
  });
}

/** A tRPC caller acting as the given identity (null = signed out), against the real router. */
export function callerAs(db: PrismaClient, identityId: string | null, now: () => Date = () => new Date()) {
  return createCallerFactory(appRouter)({ db, identityId, now });
}
