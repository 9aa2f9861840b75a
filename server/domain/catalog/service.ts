/**
 * Catalog writes: systems and entitlements. ADMIN only (auditors never, even when they also hold ADMIN).
 * Each use case is one transaction: load → check authority and rules → conditional write → ledger event
 * in the same transaction → return. Edits carry the `updatedAt` the editor loaded; a write against a row
 * that changed since is refused with CONFLICT (the conditional `updateMany` is the guard, the early check
 * only gives the clearer message).
 */
import type { z } from "zod";
import type { Tx } from "../../db";
import { isUniqueViolation } from "../../db/refusals";
import type { Prisma, System, Entitlement } from "../../db/generated/client";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { canonicalJson } from "../../ledger/hash";
import { recordEvent } from "../../ledger/ledger";
import { secretRefProblem } from "../../connectors/secrets";
import { hasRole, ledgerActor, type Actor, type ServiceCtx } from "../actor";
import { lockIdentities } from "../locks";
import { raiseFinding } from "../findings/service";
import { notify } from "../notifications/notify";
import { workKey } from "../notifications/resolve";
import { activeWithRole } from "../provisioning/people";
import { connectorTarget, targetChange, type ConnectorTarget, type TargetChange } from "./connector-target";
import {
  checkConnectorConfig,
  durationProblem,
  SECRET_REF_KEYS,
  type ZCreateEntitlementInput,
  type ZCreateSystemInput,
  type ZUpdateEntitlementInput,
  type ZUpdateSystemInput,
} from "./schema";

function requireAdmin(actor: Actor) {
  if (!hasRole(actor, "ADMIN") || hasRole(actor, "AUDITOR")) throw forbidden("Only an admin can change the catalog.");
}


const STALE = (what: string) =>
  conflict(`This ${what} was changed by someone else after you opened it. Reload to see the current version, then make your change again.`);

/** The owner of a system or entitlement must be an active person (not a service account, not a leaver). */
async function assertActiveHuman(tx: Tx, id: string): Promise<{ id: string; displayName: string }> {
  // Serialised with the leaver flow for this person (server/domain/locks.ts): no new ownership for a leaver.
  await lockIdentities(tx, [id]);
  const p = await tx.identity.findUnique({ where: { id }, select: { id: true, displayName: true, kind: true, status: true } });
  if (!p) throw badInput(`The owner must be an active person: no identity with id ${id} exists.`);
  if (p.kind !== "HUMAN") throw badInput(`The owner must be an active person: "${p.displayName}" is a non-human identity.`);
  if (p.status !== "ACTIVE") throw badInput(`The owner must be an active person: "${p.displayName}" is ${p.status.toLowerCase()}.`);
  return p;
}

async function assertSystemNameFree(tx: Tx, name: string, exceptId?: string) {
  const clash = await tx.system.findFirst({
    where: { name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { name: true },
  });
  if (clash) throw conflict(`A system named "${clash.name}" already exists.`);
}

async function assertEntitlementNameFree(tx: Tx, system: { id: string; name: string }, name: string, exceptId?: string) {
  const clash = await tx.entitlement.findFirst({
    where: { systemId: system.id, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { name: true },
  });
  if (clash) throw conflict(`The system "${system.name}" already has an entitlement named "${clash.name}".`);
}

/**
 * The settings, checked: their shape and secret-reference syntax (the schema, shared with the form), then
 * what only the server can see: a file: reference needs CONNECTOR_SECRETS_DIR, and must not be a link out of
 * it. Refusals name the setting (`connectorConfig.<key>`) so the form shows them next to the field.
 */
function validConfig(kind: System["connector"], config: unknown) {
  const res = checkConnectorConfig(kind, config);
  if (!res.ok) throw badInput(res.message, res.field ? `connectorConfig.${res.field}` : "connectorConfig");
  for (const key of SECRET_REF_KEYS) {
    const ref = res.config[key];
    const problem = typeof ref === "string" ? secretRefProblem(ref) : null;
    if (problem) throw badInput(`Connector settings for ${kind}: ${key} ${problem}.`, `connectorConfig.${key}`);
  }
  return res.config;
}

const describeTargetValue = (v: unknown) => (v === null || v === undefined ? "(none)" : String(v));

/**
 * A system now sends access changes somewhere else, or with another secret: ledgered as its own event
 * ("system.connector_target_changed", before/after of the target fields only), every active security
 * officer notified, and a finding opened that security resolves once they have checked the change with
 * the system owner. All in the caller's transaction, so a refused or rolled-back change reports nothing.
 */
async function reportTargetChange(tx: Tx, ctx: ServiceCtx, system: { id: string; name: string }, change: TargetChange) {
  const event = await recordEvent(tx, {
    ...ledgerActor(ctx.actor),
    action: "system.connector_target_changed",
    subjectType: "System",
    subjectId: system.id,
    payload: { name: system.name, before: change.before, after: change.after, changed: change.changed },
    occurredAt: ctx.now(),
  });
  const findingId = await raiseFinding(tx, {
    kind: "CONNECTOR_TARGET_CHANGED",
    subjectType: "System",
    subjectId: system.id,
    assigneeId: null,
    details: {
      system: system.name,
      changedById: ctx.actor.id,
      changedBy: ctx.actor.displayName,
      before: change.before,
      after: change.after,
      changed: change.changed,
      ledgerSeq: event.seq.toString(),
    },
  });
  const security = await activeWithRole(tx, "SECURITY");
  const fields = change.changed.map((k) => `${k} ${describeTargetValue((change.before as Record<string, unknown> | null)?.[k])} → ${describeTargetValue((change.after as Record<string, unknown>)[k])}`);
  await notify(tx, {
    recipientIds: security,
    kind: "system.connector_target_changed",
    title: `Connector target ${change.before ? "changed" : "set"}: ${system.name}`,
    body: `${ctx.actor.displayName} ${change.before ? "changed" : "set"} where Warrant sends access changes for ${system.name} (${change.after.connector}): ${fields.join("; ")}. Check it with the system owner, then resolve the finding.`.slice(0, 2000),
    link: "/findings?kind=CONNECTOR_TARGET_CHANGED&status=OPEN",
    workKey: findingId ? workKey.finding(findingId) : undefined,
  });
}

/**
 * The next updatedAt for an edited row: now, but always later than the version the editor saw, so two
 * edits in the same millisecond (or under a frozen test clock) still get distinct versions.
 */
function nextVersion(current: Date): Date {
  return new Date(Math.max(Date.now(), current.getTime() + 1));
}

type Changes = Record<string, { before: unknown; after: unknown }>;

function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>): Changes {
  const out: Changes = {};
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    if (after[key] === undefined) continue;
    if (canonicalJson(before[key] ?? null) !== canonicalJson(after[key] ?? null)) out[key] = { before: before[key] ?? null, after: after[key] ?? null };
  }
  return out;
}

const systemSnapshot = (s: System) => ({
  name: s.name,
  description: s.description,
  ownerId: s.ownerId,
  criticality: s.criticality,
  connector: s.connector,
  connectorConfig: s.connectorConfig,
  reconcileEveryHours: s.reconcileEveryHours,
});

const entitlementSnapshot = (e: Entitlement) => ({
  name: e.name,
  description: e.description,
  risk: e.risk,
  privileged: e.privileged,
  ownerId: e.ownerId,
  requestable: e.requestable,
  maxDurationDays: e.maxDurationDays,
  externalRef: e.externalRef,
  issuesCredential: e.issuesCredential,
  credentialRotateHours: e.credentialRotateHours,
});

// ---------------------------------------------------------------------------------------------------
// Systems

/**
 * Adds a system to the catalog. ADMIN only. The name is unique (case-insensitively), the owner an active
 * person, the connector settings valid for the connector and free of secrets, their secret references inside
 * the connector secrets namespace. Records "system.created"; a system created with a connector target
 * (webhook, PostgreSQL) also records "system.connector_target_changed", notifies security and opens a finding.
 */
export async function createSystem(ctx: ServiceCtx, input: z.output<typeof ZCreateSystemInput>): Promise<System> {
  requireAdmin(ctx.actor);
  const connectorConfig = validConfig(input.connector, input.connectorConfig);
  return ctx.db.$transaction(async (tx) => {
    await assertActiveHuman(tx, input.ownerId);
    await assertSystemNameFree(tx, input.name);
    const system = await tx.system
      .create({
        data: {
          name: input.name,
          description: input.description,
          ownerId: input.ownerId,
          criticality: input.criticality,
          connector: input.connector,
          connectorConfig: connectorConfig as Prisma.InputJsonObject,
          reconcileEveryHours: input.reconcileEveryHours,
        },
      })
      .catch((e: unknown) => {
        // Lost a race with another create of the same name.
        throw isUniqueViolation(e) ? conflict(`A system named "${input.name}" already exists.`) : e;
      });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "system.created",
      subjectType: "System",
      subjectId: system.id,
      payload: systemSnapshot(system),
      occurredAt: ctx.now(),
    });
    const change = targetChange(null, connectorTarget(system.connector, system.connectorConfig));
    if (change) await reportTargetChange(tx, ctx, system, change);
    return system;
  });
}

/**
 * Edits a system. ADMIN only; refused with CONFLICT when the system changed after `expectedUpdatedAt`.
 * Same rules as creation for the fields given; changing the connector re-checks the settings against the
 * new kind. Records "system.updated" with before/after of each changed field (nothing is recorded, and
 * nothing written, when no field changes). When the connector target changes (where access changes are
 * sent, as whom, over which TLS mode, with which secret reference) it also records
 * "system.connector_target_changed", notifies security and opens a finding, in the same transaction.
 */
export async function updateSystem(ctx: ServiceCtx, input: z.output<typeof ZUpdateSystemInput>): Promise<System> {
  requireAdmin(ctx.actor);
  return ctx.db.$transaction(async (tx) => {
    const current = await tx.system.findUnique({ where: { id: input.id } });
    if (!current) throw notFound("System");
    if (current.updatedAt.getTime() !== input.expectedUpdatedAt.getTime()) throw STALE("system");
    if (current.connector === "WARRANT_API" && input.connector !== undefined) {
      throw badInput("The Warrant API system is built in: its connector cannot be changed.", "connector");
    }

    const connector = input.connector ?? current.connector;
    const connectorConfig =
      input.connector !== undefined || input.connectorConfig !== undefined ? validConfig(connector, input.connectorConfig ?? current.connectorConfig) : undefined;
    const changes = diff(systemSnapshot(current), {
      name: input.name,
      description: input.description,
      ownerId: input.ownerId,
      criticality: input.criticality,
      connector: input.connector,
      connectorConfig: connectorConfig as System["connectorConfig"] | undefined,
      reconcileEveryHours: input.reconcileEveryHours,
    });
    if (Object.keys(changes).length === 0) return current;
    if (changes.name) await assertSystemNameFree(tx, input.name!, current.id);
    if (changes.ownerId) await assertActiveHuman(tx, input.ownerId!);
    if (changes.connector && input.connector !== "POSTGRES") {
      // Credentials are issued by the PostgreSQL connector only (docs/credentials.md).
      const issuing = await tx.entitlement.count({ where: { systemId: current.id, issuesCredential: true } });
      if (issuing > 0) throw badInput(`${issuing} of this system's entitlements issue credentials, which only the PostgreSQL connector can do: turn that off on them first.`, "connector");
    }

    const data: Prisma.SystemUncheckedUpdateManyInput = { updatedAt: nextVersion(current.updatedAt) };
    if (changes.name) data.name = input.name;
    if (changes.description) data.description = input.description;
    if (changes.ownerId) data.ownerId = input.ownerId;
    if (changes.criticality) data.criticality = input.criticality;
    if (changes.connector) data.connector = input.connector;
    if (changes.connectorConfig) data.connectorConfig = connectorConfig as Prisma.InputJsonObject;
    if (changes.reconcileEveryHours) data.reconcileEveryHours = input.reconcileEveryHours;
    const res = await tx.system
      .updateMany({ where: { id: current.id, updatedAt: input.expectedUpdatedAt }, data })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? conflict(`A system named "${input.name}" already exists.`) : e;
      });
    if (res.count !== 1) throw STALE("system");

    const updated = await tx.system.findUniqueOrThrow({ where: { id: current.id } });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "system.updated",
      subjectType: "System",
      subjectId: current.id,
      payload: { name: updated.name, changes },
      occurredAt: ctx.now(),
    });
    const targetBefore: ConnectorTarget | null = connectorTarget(current.connector, current.connectorConfig);
    const change = targetChange(targetBefore, connectorTarget(updated.connector, updated.connectorConfig));
    if (change) await reportTargetChange(tx, ctx, updated, change);
    return updated;
  });
}

// ---------------------------------------------------------------------------------------------------
// Entitlements

/** Credentials are issued by the PostgreSQL connector only; a rotation schedule needs an entitlement that issues them. */
function assertCredentialSettings(system: { name: string; connector: string }, e: { issuesCredential: boolean; credentialRotateHours: number | null }) {
  if (e.issuesCredential && system.connector !== "POSTGRES") {
    throw badInput(`Only entitlements of PostgreSQL systems can issue credentials; "${system.name}" uses the ${system.connector.toLowerCase()} connector.`, "issuesCredential");
  }
  if (!e.issuesCredential && e.credentialRotateHours !== null) throw badInput("A rotation schedule applies only to an entitlement that issues credentials.", "credentialRotateHours");
}

/** Switching between role memberships and issued logins with grants in force would strand one or the other. */
async function assertNoLiveGrants(tx: Tx, entitlementId: string, name: string) {
  const live = await tx.grant.count({ where: { entitlementId, status: { not: "REVOKED" } } });
  if (live > 0) throw conflict(`"${name}" has ${live} grant${live === 1 ? "" : "s"} not yet revoked: whether it issues credentials can change only when none is left.`);
}

/**
 * Adds an entitlement to a system. ADMIN only. The name is unique within the system (case-insensitively);
 * the owner, when given, an active person (none = the system owner); the maximum duration 1..365 days and
 * at most 90 for privileged or critical-risk entitlements. Records "entitlement.created".
 */
export async function createEntitlement(ctx: ServiceCtx, input: z.output<typeof ZCreateEntitlementInput>): Promise<Entitlement> {
  requireAdmin(ctx.actor);
  const problem = durationProblem(input);
  if (problem) throw badInput(problem);
  return ctx.db.$transaction(async (tx) => {
    const system = await tx.system.findUnique({ where: { id: input.systemId }, select: { id: true, name: true, ownerId: true, connector: true } });
    if (!system) throw badInput(`No system with id ${input.systemId} exists.`);
    assertCredentialSettings(system, { issuesCredential: input.issuesCredential, credentialRotateHours: input.credentialRotateHours ?? null });
    if (input.ownerId) await assertActiveHuman(tx, input.ownerId);
    await assertEntitlementNameFree(tx, system, input.name);
    const entitlement = await tx.entitlement
      .create({
        data: {
          systemId: system.id,
          name: input.name,
          description: input.description,
          risk: input.risk,
          privileged: input.privileged,
          ownerId: input.ownerId ?? null,
          requestable: input.requestable,
          maxDurationDays: input.maxDurationDays,
          externalRef: input.externalRef || null,
          issuesCredential: input.issuesCredential,
          credentialRotateHours: input.issuesCredential ? (input.credentialRotateHours ?? null) : null,
        },
      })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? conflict(`The system "${system.name}" already has an entitlement named "${input.name}".`) : e;
      });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "entitlement.created",
      subjectType: "Entitlement",
      subjectId: entitlement.id,
      payload: {
        systemId: system.id,
        systemName: system.name,
        ...entitlementSnapshot(entitlement),
        effectiveOwnerId: entitlement.ownerId ?? system.ownerId,
      },
      occurredAt: ctx.now(),
    });
    return entitlement;
  });
}

/**
 * Edits an entitlement (not its system). ADMIN only; refused with CONFLICT when it changed after
 * `expectedUpdatedAt`. The same rules as creation hold for the result (e.g. marking a 180-day entitlement
 * privileged without shortening it is refused). Records "entitlement.updated" with before/after of each
 * changed field; nothing is written when no field changes.
 */
export async function updateEntitlement(ctx: ServiceCtx, input: z.output<typeof ZUpdateEntitlementInput>): Promise<Entitlement> {
  requireAdmin(ctx.actor);
  return ctx.db.$transaction(async (tx) => {
    const current = await tx.entitlement.findUnique({ where: { id: input.id }, include: { system: { select: { id: true, name: true, ownerId: true, connector: true } } } });
    if (!current) throw notFound("Entitlement");
    if (current.updatedAt.getTime() !== input.expectedUpdatedAt.getTime()) throw STALE("entitlement");

    const externalRef = input.externalRef === undefined ? undefined : input.externalRef || null;
    const changes = diff(entitlementSnapshot(current), {
      name: input.name,
      description: input.description,
      risk: input.risk,
      privileged: input.privileged,
      ownerId: input.ownerId,
      requestable: input.requestable,
      maxDurationDays: input.maxDurationDays,
      externalRef,
      issuesCredential: input.issuesCredential,
      credentialRotateHours: input.credentialRotateHours,
    });
    if (Object.keys(changes).length === 0) return current;
    const issues = input.issuesCredential ?? current.issuesCredential;
    assertCredentialSettings(current.system, { issuesCredential: issues, credentialRotateHours: input.credentialRotateHours === undefined ? current.credentialRotateHours : input.credentialRotateHours });
    if (changes.issuesCredential) await assertNoLiveGrants(tx, current.id, current.name);
    const problem = durationProblem({
      privileged: input.privileged ?? current.privileged,
      risk: input.risk ?? current.risk,
      maxDurationDays: input.maxDurationDays ?? current.maxDurationDays,
    });
    if (problem) throw badInput(problem);
    if (changes.name) await assertEntitlementNameFree(tx, current.system, input.name!, current.id);
    if (changes.ownerId && input.ownerId) await assertActiveHuman(tx, input.ownerId);

    const data: Prisma.EntitlementUncheckedUpdateManyInput = { updatedAt: nextVersion(current.updatedAt) };
    if (changes.name) data.name = input.name;
    if (changes.description) data.description = input.description;
    if (changes.risk) data.risk = input.risk;
    if (changes.privileged) data.privileged = input.privileged;
    if (changes.ownerId) data.ownerId = input.ownerId ?? null;
    if (changes.requestable) data.requestable = input.requestable;
    if (changes.maxDurationDays) data.maxDurationDays = input.maxDurationDays;
    if (changes.externalRef) data.externalRef = externalRef;
    if (changes.issuesCredential) data.issuesCredential = input.issuesCredential;
    if (changes.credentialRotateHours) data.credentialRotateHours = input.credentialRotateHours;
    const res = await tx.entitlement
      .updateMany({ where: { id: current.id, updatedAt: input.expectedUpdatedAt }, data })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? conflict(`The system "${current.system.name}" already has an entitlement named "${input.name}".`) : e;
      });
    if (res.count !== 1) throw STALE("entitlement");

    const updated = await tx.entitlement.findUniqueOrThrow({ where: { id: current.id } });
    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "entitlement.updated",
      subjectType: "Entitlement",
      subjectId: current.id,
      payload: { systemId: current.system.id, name: updated.name, changes, effectiveOwnerId: updated.ownerId ?? current.system.ownerId },
      occurredAt: ctx.now(),
    });
    return updated;
  });
}
