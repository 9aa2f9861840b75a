/**
 * Writes of the identities area: creating and editing non-human identities (service accounts, API keys,
 * OAuth apps, workloads, AI agents). People are not written here: they come from HR and the identity
 * provider. Each service runs in one transaction and records its ledger event inside it.
 */
import type { Tx } from "../../db";
import type { Prisma } from "../../db/generated/client";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import { recordEvent, withDeferredLedger } from "../../ledger/ledger";
import { ensureWarrantApiSystem, scopeEntitlementIds } from "../api-clients/system";
import { submitWithin } from "../requests/service";
import { ledgerActor, type ServiceCtx } from "../actor";
import { GRANT_IN_EFFECT } from "../grants/status";
import { canManageNhis } from "./policy";
import { API_CLIENT_KINDS, KIND_LABELS, MAX_API_CLIENT_DAYS, NHI_EDITABLE_FIELDS, type TCreateNhi, type TUpdateNhi } from "./schema";

export const STALE_NHI_MESSAGE = "This identity was changed by someone else; reload and try again.";

const NHI_SELECT = {
  id: true,
  kind: true,
  status: true,
  displayName: true,
  ownerId: true,
  purpose: true,
  systemId: true,
  credentialKeyId: true,
  credentialCreatedAt: true,
  credentialRotatedAt: true,
  credentialExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.IdentitySelect;

export type NhiRecord = Prisma.IdentityGetPayload<{ select: typeof NHI_SELECT }>;

/**
 * The owner must be an active person. The owner's row is locked FOR SHARE until commit, so a concurrent
 * leaver flow cannot deprovision them in between and leave the identity with an inactive owner.
 */
async function assertActiveHumanOwner(tx: Tx, ownerId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ kind: string; status: string; displayName: string }[]>`
    SELECT "kind"::text AS "kind", "status"::text AS "status", "displayName" FROM "Identity" WHERE "id" = ${ownerId}::uuid FOR SHARE`;
  const owner = rows[0];
  if (!owner) throw badInput(`The owner was not found (ownerId ${ownerId}): choose an active person as the accountable owner.`);
  if (owner.kind !== "HUMAN") {
    const label = KIND_LABELS[owner.kind as keyof typeof KIND_LABELS] ?? owner.kind;
    throw badInput(`The owner must be a person: ${owner.displayName} is a ${label.toLowerCase()}. Every non-human identity needs an accountable human owner.`);
  }
  if (owner.status !== "ACTIVE") {
    throw badInput(`The owner must be an active person: ${owner.displayName} is ${owner.status.toLowerCase()}.`);
  }
}

async function assertSystemExists(tx: Tx, systemId: string): Promise<void> {
  const system = await tx.system.findUnique({ where: { id: systemId }, select: { id: true } });
  if (!system) throw badInput(`The system was not found (systemId ${systemId}): choose a system from the catalog, or leave it empty.`);
}

function assertMayManage(ctx: ServiceCtx): void {
  if (!canManageNhis(ctx.actor)) throw forbidden("Managing non-human identities needs the ADMIN role (anyone may register an API client they own, with its scopes).");
}

export type ScopeRequestRef = { scope: string; requestId: string; status: string };
export type CreatedNhi = NhiRecord & { scopeRequests: ScopeRequestRef[] };

const DAY_MS = 86_400_000;

/**
 * An API client (`apiClient` given) is registered by its owner, any person: the owner is the actor (admins
 * too: its scopes are requested in the owner's name, and only the owner may ask for a non-human identity),
 * its kind is one of API_CLIENT_KINDS, and it has a credential expiry at most a year away. Without
 * `apiClient`, creating a non-human identity stays an ADMIN power.
 */
function assertMayCreate(ctx: ServiceCtx, input: TCreateNhi, now: Date): void {
  if (!input.apiClient) return assertMayManage(ctx);
  if (input.ownerId !== ctx.actor.id) throw forbidden("An API client is registered by its owner: name yourself as its owner (its scopes are requested in your name).");
  if (!(API_CLIENT_KINDS as readonly string[]).includes(input.kind)) {
    throw badInput(`An API client is an API key, service account, workload or AI agent, not a ${KIND_LABELS[input.kind].toLowerCase()}.`, "kind");
  }
  if (!input.credentialExpiresAt) throw badInput("An API client needs a credential expiry: its tokens and scopes end then.", "credentialExpiresAt");
  if (input.credentialExpiresAt.getTime() > now.getTime() + MAX_API_CLIENT_DAYS * DAY_MS) {
    throw badInput(`An API client's credential may live at most ${MAX_API_CLIENT_DAYS} days: choose an earlier expiry.`, "credentialExpiresAt");
  }
}

/**
 * Creates a non-human identity with its accountable owner. ADMIN; or any person registering an API client
 * they own (`apiClient`: its first scopes), see assertMayCreate.
 * Guarantees: the owner is an active person (locked until commit), the system (if any) exists, a credential
 * expiry is in the future; the identity and its "identity.nhi.created" ledger event are written in one
 * transaction, or neither is. With `apiClient`, one access request per scope (beneficiary = the new client,
 * requester = the owner) is submitted in the same transaction, through the policy like any request; each
 * asks for the shortest of the chosen days, the scope's catalog maximum and the time to the credential's
 * expiry. The Warrant API system is created first if this database has none yet (owner: the first admin).
 */
export async function createNhi(ctx: ServiceCtx, input: TCreateNhi): Promise<CreatedNhi> {
  const now = ctx.now();
  assertMayCreate(ctx, input, now);
  assertFutureExpiry(input, now);
  const api = input.apiClient;
  if (!api) return { ...(await ctx.db.$transaction((tx) => insertNhi(tx, ctx, input, now))), scopeRequests: [] };
  return ctx.db.$transaction((tx) =>
    withDeferredLedger(tx, async () => {
      const created = await insertNhi(tx, ctx, input, now);
      if (!(await ensureWarrantApiSystem(tx, { actorId: null, now }))) {
        throw conflict("The Warrant API system does not exist yet and there is no admin to own it: an admin must sign in first.");
      }
      const ids = await scopeEntitlementIds(tx);
      const ents = await tx.entitlement.findMany({ where: { id: { in: [...ids.values()] } }, select: { id: true, maxDurationDays: true } });
      const maxDays = new Map(ents.map((e) => [e.id, e.maxDurationDays]));
      const credentialHours = Math.floor((input.credentialExpiresAt!.getTime() - now.getTime()) / 3_600_000);
      const scopeRequests: ScopeRequestRef[] = [];
      for (const scope of api.scopes) {
        const entitlementId = ids.get(scope);
        if (!entitlementId) throw conflict(`The Warrant API system has no entitlement for the scope ${scope}: ask an admin to restore it.`);
        const durationHours = Math.min(api.durationDays * 24, (maxDays.get(entitlementId) ?? api.durationDays) * 24, credentialHours);
        if (durationHours < 1) throw badInput("The credential expires within the hour: choose a later expiry.", "credentialExpiresAt");
        const requestId = await submitWithin(tx, ctx, { entitlementId, beneficiaryId: created.id, justification: api.justification, durationHours, emergency: false });
        const r = await tx.accessRequest.findUniqueOrThrow({ where: { id: requestId }, select: { status: true } });
        scopeRequests.push({ scope, requestId, status: r.status });
      }
      return { ...created, scopeRequests };
    }),
  );
}

function assertFutureExpiry(input: TCreateNhi, now: Date): void {
  if (input.credentialExpiresAt && input.credentialExpiresAt.getTime() <= now.getTime()) {
    throw badInput("The credential expiry must be in the future.");
  }
}

/**
 * createNhi's writes inside a caller's transaction (a SCIM client is created with its first token in one
 * transaction, server/domain/api-tokens). The caller has checked the actor may manage non-human identities.
 */
export async function insertNhi(tx: Tx, ctx: ServiceCtx, input: TCreateNhi, now: Date): Promise<NhiRecord> {
  assertFutureExpiry(input, now);
  await assertActiveHumanOwner(tx, input.ownerId);
  if (input.systemId) await assertSystemExists(tx, input.systemId);

  const created = await tx.identity.create({
    data: {
      kind: input.kind,
      status: "ACTIVE",
      displayName: input.displayName,
      ownerId: input.ownerId,
      purpose: input.purpose,
      systemId: input.systemId ?? null,
      credentialKeyId: input.credentialKeyId ?? null,
      credentialCreatedAt: input.credentialKeyId ? now : null,
      credentialExpiresAt: input.credentialExpiresAt ?? null,
    },
    select: NHI_SELECT,
  });
  await recordEvent(tx, {
    ...ledgerActor(ctx.actor),
    action: "identity.nhi.created",
    subjectType: "Identity",
    subjectId: created.id,
    occurredAt: now,
    payload: {
      kind: created.kind,
      status: created.status,
      displayName: created.displayName,
      ownerId: created.ownerId,
      purpose: created.purpose,
      systemId: created.systemId,
      credentialKeyId: created.credentialKeyId,
      credentialCreatedAt: created.credentialCreatedAt,
      credentialExpiresAt: created.credentialExpiresAt,
    },
  });
  return created;
}

type DiffField = (typeof NHI_EDITABLE_FIELDS)[number] | "credentialCreatedAt";
type Change = { from: unknown; to: unknown };

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/**
 * Edits a non-human identity (name, owner, purpose, system, credential metadata, status). Callable by
 * ADMIN only; a person cannot be edited here.
 * Guarantees: optimistic concurrency (a write based on a stale `expectedUpdatedAt` is refused with CONFLICT
 * and changes nothing, enforced by a conditional write); a new owner is an active person; a deprovisioned
 * identity stays deprovisioned; an identity is not deprovisioned while it still holds access. The change
 * and its "identity.nhi.updated" ledger event (before/after of each changed field) are written in one
 * transaction. Submitting no change writes nothing.
 */
export async function updateNhi(ctx: ServiceCtx, input: TUpdateNhi): Promise<NhiRecord> {
  assertMayManage(ctx);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.identity.findUnique({ where: { id: input.id }, select: NHI_SELECT });
    if (!before) throw notFound(`Identity ${input.id}`);
    if (before.kind === "HUMAN") {
      throw badInput(`${before.displayName} is a person: people come from HR and the identity provider and cannot be edited here.`);
    }
    // Checked first so a stale form gets CONFLICT rather than validation errors about data it never saw;
    // the conditional write below is what actually guarantees it.
    if (before.updatedAt.getTime() !== input.expectedUpdatedAt.getTime()) throw conflict(STALE_NHI_MESSAGE);

    const changes: Partial<Record<DiffField, Change>> = {};
    for (const field of NHI_EDITABLE_FIELDS) {
      const to = input[field];
      if (to === undefined) continue;
      if (!same(before[field], to)) changes[field] = { from: before[field], to };
    }
    // A new key id is a new credential: record when it was issued (first key) or rotated.
    if (changes.credentialKeyId && input.credentialKeyId) {
      if (before.credentialKeyId === null && before.credentialCreatedAt === null) changes.credentialCreatedAt = { from: null, to: now };
      else if (input.credentialRotatedAt === undefined) changes.credentialRotatedAt = { from: before.credentialRotatedAt, to: now };
    }
    if (Object.keys(changes).length === 0) return before;

    if (changes.ownerId) await assertActiveHumanOwner(tx, input.ownerId!);
    if (changes.systemId && input.systemId) await assertSystemExists(tx, input.systemId);
    if (changes.status && before.status === "DEPROVISIONED") {
      throw badInput(`${before.displayName} is deprovisioned, which is final: create a new identity instead of reactivating it.`);
    }
    if (changes.status && input.status === "DEPROVISIONED") {
      const held = await tx.grant.count({ where: { identityId: before.id, status: { in: GRANT_IN_EFFECT } } });
      if (held > 0) {
        throw badInput(`${before.displayName} still holds ${held} grant${held === 1 ? "" : "s"}: revoke ${held === 1 ? "it" : "them"} before deprovisioning the identity.`);
      }
    }
    const rotatedAt = (changes.credentialRotatedAt?.to ?? before.credentialRotatedAt) as Date | null;
    if (changes.credentialRotatedAt && rotatedAt && rotatedAt.getTime() > now.getTime()) {
      throw badInput("The credential rotation date cannot be in the future.");
    }
    const expiresAt = (changes.credentialExpiresAt ? changes.credentialExpiresAt.to : before.credentialExpiresAt) as Date | null;
    const issuedAt = rotatedAt ?? ((changes.credentialCreatedAt?.to ?? before.credentialCreatedAt) as Date | null);
    if ((changes.credentialExpiresAt || changes.credentialRotatedAt) && expiresAt && issuedAt && expiresAt.getTime() <= issuedAt.getTime()) {
      throw badInput("The credential expiry must be after the date it was issued or last rotated.");
    }

    // Only whitelisted fields, each from the computed diff (never the raw input spread into data).
    const data: Prisma.IdentityUncheckedUpdateManyInput = {};
    for (const [field, change] of Object.entries(changes) as [DiffField, Change][]) {
      (data as Record<string, unknown>)[field] = change.to;
    }
    // Strictly newer than the version read, so two writes in the same millisecond still differ.
    data.updatedAt = new Date(Math.max(Date.now(), before.updatedAt.getTime() + 1));
    const res = await tx.identity.updateMany({ where: { id: before.id, updatedAt: input.expectedUpdatedAt }, data });
    if (res.count === 0) throw conflict(STALE_NHI_MESSAGE);

    await recordEvent(tx, {
      ...ledgerActor(ctx.actor),
      action: "identity.nhi.updated",
      subjectType: "Identity",
      subjectId: before.id,
      occurredAt: now,
      payload: { kind: before.kind, changes },
    });
    return tx.identity.findUniqueOrThrow({ where: { id: before.id }, select: NHI_SELECT });
  });
}
