/**
 * Joiners, movers and leavers: the one place where a person enters Warrant, changes manager or
 * department, leaves, or comes back. Every feed goes through here: SCIM from the identity provider
 * (server/domain/scim, served by server/http/scim-endpoint.ts), the HR file import
 * (server/domain/identity-import) and the admin's "Deprovision" button (provisioning/service.ts). Each
 * function works inside the caller's transaction (so a file import or a SCIM request is all or nothing),
 * takes the person's advisory lock (server/domain/locks.ts) before it reads, and records its own ledger
 * event naming who did it (`actorId`: the admin, or the SCIM client's own non-human identity) and where the
 * change came from (`source`).
 */
import type { Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { badInput, conflict, notFound } from "../../errors";
import { recordEvent } from "../../ledger/ledger";
import { escalateStagesOfLeaver } from "../approvals/leaver";
import { openMoverReview } from "../campaigns/mover-review";
import { raiseFinding } from "../findings/service";
import { lockIdentities, lockKeys } from "../locks";
import { notify } from "../notifications/notify";
import { startRevocation } from "../provisioning/grant-lifecycle";
import { activeWithRole } from "../provisioning/people";
import { cancelPendingRequestsOfLeaver } from "../requests/leaver";
import { revokeSessionsOf } from "../sessions/service";

/** Where a change came from. Recorded in the ledger event's payload. */
export type SyncSource = { via: "scim" | "csv" | "portal"; clientId?: string; clientName?: string; importId?: string; line?: number };

/** A person's attributes a feed may set. `managerId` is a Warrant identity id (the caller resolves it). */
export type PersonFields = {
  email: string;
  displayName: string;
  department?: string | null;
  title?: string | null;
  managerId?: string | null;
  externalId?: string | null;
  employeeNumber?: string | null;
};

type Base = { actorId: string; now: Date; source: SyncSource };

const FIELD_NAMES = ["email", "displayName", "department", "title", "managerId", "externalId", "employeeNumber"] as const;
type FieldName = (typeof FIELD_NAMES)[number];

/** Trims text; empty text is "not set" (null). Emails are compared and stored lower-case. */
function clean(name: FieldName, value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const t = value.trim();
  if (t === "") return null;
  return name === "email" ? t.toLowerCase() : t;
}

function sourcePayload(source: SyncSource): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined));
}

/**
 * Who else holds this email, compared case-insensitively through the index on lower("email") (migration
 * identity_email_lower; Prisma's `mode: "insensitive"` is an ILIKE, which scans).
 */
async function emailHolder(tx: Tx, email: string, exceptId: string | null): Promise<{ displayName: string } | null> {
  const except = exceptId ? Prisma.sql`AND "id" <> ${exceptId}::uuid` : Prisma.empty;
  const rows = await tx.$queryRaw<{ displayName: string }[]>`
    SELECT "displayName" FROM "Identity" WHERE lower("email") = lower(${email}) ${except} LIMIT 1`;
  return rows[0] ?? null;
}

/** "email 'a@x' is already used by Ann" — the unique attributes, checked before the insert for a plain message. */
async function assertUnique(tx: Tx, fields: Partial<Record<"email" | "externalId" | "employeeNumber", string | null>>, exceptId: string | null): Promise<void> {
  for (const [name, value] of Object.entries(fields) as [keyof typeof fields, string | null][]) {
    if (!value) continue;
    const other =
      name === "email"
        ? await emailHolder(tx, value, exceptId)
        : await tx.identity.findFirst({ where: { [name]: value, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { displayName: true } });
    if (other) throw conflict(`The ${name} '${value}' is already used by ${other.displayName}.`);
  }
}

async function assertManager(tx: Tx, managerId: string | null, personId: string | null): Promise<void> {
  if (!managerId) return;
  if (managerId === personId) throw badInput("A person cannot be their own manager.");
  const m = await tx.identity.findUnique({ where: { id: managerId }, select: { kind: true, status: true, displayName: true } });
  if (!m || m.kind !== "HUMAN") throw badInput(`The manager was not found (managerId ${managerId}).`);
  if (m.status === "DEPROVISIONED") throw badInput(`The manager ${m.displayName} has left: choose an active manager.`);
}

/** A unique index hit by a parallel insert: the same plain conflict as the check above. */
function uniqueToConflict(e: unknown): never {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
    throw conflict("A person with this email, external id or employee number was just created by someone else.");
  }
  throw e;
}

/**
 * A joiner: creates an active person. CONFLICT when the email, external id or employee number is taken
 * (by anyone, also a leaver: bring a leaver back with `rejoinPerson`). Two parallel joins of the same
 * email are serialised by a lock on the email, and the unique indexes stand behind it.
 */
export async function joinPerson(tx: Tx, input: Base & { fields: PersonFields }): Promise<{ identityId: string }> {
  const email = clean("email", input.fields.email);
  const displayName = clean("displayName", input.fields.displayName);
  if (!email) throw badInput("A person needs an email.");
  if (!displayName) throw badInput("A person needs a display name.");
  const data = {
    email,
    displayName,
    department: clean("department", input.fields.department),
    title: clean("title", input.fields.title),
    managerId: clean("managerId", input.fields.managerId),
    externalId: clean("externalId", input.fields.externalId),
    employeeNumber: clean("employeeNumber", input.fields.employeeNumber),
  };
  await lockKeys(tx, [`identity:email:${email}`]);
  await assertUnique(tx, { email, externalId: data.externalId, employeeNumber: data.employeeNumber }, null);
  await assertManager(tx, data.managerId, null);
  const created = await tx.identity.create({ data: { kind: "HUMAN", status: "ACTIVE", ...data }, select: { id: true } }).catch(uniqueToConflict);
  await recordEvent(tx, {
    actorId: input.actorId,
    action: "identity.joined",
    subjectType: "Identity",
    subjectId: created.id,
    occurredAt: input.now,
    payload: { ...data, source: sourcePayload(input.source) },
  });
  return { identityId: created.id };
}

/**
 * Changes a person's attributes; only the fields given are compared, and only real changes are written.
 * A new manager or department makes the person a **mover**: an `identity.moved` event, and a small access
 * review of their grants for the new manager (campaigns/mover-review.ts). Nothing changed → no event.
 */
export async function updatePerson(
  tx: Tx,
  input: Base & { identityId: string; fields: Partial<PersonFields> },
): Promise<{ changed: string[]; moved: boolean }> {
  await lockIdentities(tx, [input.identityId]);
  const person = await tx.identity.findUnique({
    where: { id: input.identityId },
    select: { id: true, kind: true, status: true, email: true, displayName: true, department: true, title: true, managerId: true, externalId: true, employeeNumber: true },
  });
  if (!person || person.kind !== "HUMAN") throw notFound("The person");
  const changes: Record<string, { from: string | null; to: string | null }> = {};
  for (const name of FIELD_NAMES) {
    if (!(name in input.fields)) continue;
    const to = clean(name, input.fields[name]);
    if ((name === "email" || name === "displayName") && !to) throw badInput(`A person's ${name === "email" ? "email" : "display name"} cannot be empty.`);
    const from = person[name];
    if ((from ?? null) !== to) changes[name] = { from: from ?? null, to };
  }
  const changed = Object.keys(changes);
  if (changed.length === 0) return { changed, moved: false };
  const after = Object.fromEntries(changed.map((k) => [k, changes[k]!.to]));
  await assertUnique(tx, { email: after.email, externalId: after.externalId, employeeNumber: after.employeeNumber }, person.id);
  if ("managerId" in after) await assertManager(tx, after.managerId ?? null, person.id);
  await tx.identity.update({ where: { id: person.id }, data: after }).catch(uniqueToConflict);

  const moved = "managerId" in changes || "department" in changes;
  const source = sourcePayload(input.source);
  if (moved) {
    const move = {
      from: { managerId: person.managerId, department: person.department },
      to: { managerId: after.managerId !== undefined ? after.managerId : person.managerId, department: after.department !== undefined ? after.department : person.department },
    };
    const review = person.status === "ACTIVE"
      ? await openMoverReview(tx, { identityId: person.id, displayName: person.displayName, newManagerId: move.to.managerId, actorId: input.actorId, now: input.now, move })
      : null;
    await recordEvent(tx, {
      actorId: input.actorId,
      action: "identity.moved",
      subjectType: "Identity",
      subjectId: person.id,
      occurredAt: input.now,
      payload: { ...move, changes, reviewCampaignId: review?.campaignId ?? null, source },
    });
  } else {
    await recordEvent(tx, { actorId: input.actorId, action: "identity.updated", subjectType: "Identity", subjectId: person.id, occurredAt: input.now, payload: { changes, source } });
  }
  return { changed, moved };
}

export type LeaverResult = { identityId: string; revokingGrants: number; nhisFlagged: number; cancelledRequests: number; escalatedStages: number };

/**
 * A leaver: the person is deprovisioned; every grant in effect is revoked through its connector (confirmed
 * by read-back, cause LEAVER); their pending requests are cancelled; approval stages waiting on them are
 * escalated; their sessions end in this transaction; every non-human identity they own raises a finding for
 * their manager (or the admins). Returns null when the person is already deprovisioned (a feed repeating
 * itself changes nothing). The caller checks who may do this.
 */
export async function leavePerson(tx: Tx, input: Base & { identityId: string; reason: string }): Promise<LeaverResult | null> {
  // Serialised with every decision about this person (see server/domain/locks.ts): a request submitted
  // or approved in parallel either committed before (and its grant or request is swept up below) or
  // waits and then finds the person deprovisioned.
  await lockIdentities(tx, [input.identityId]);
  const person = await tx.identity.findUnique({ where: { id: input.identityId }, select: { id: true, kind: true, status: true, displayName: true, managerId: true } });
  if (!person) throw notFound("The person");
  if (person.kind !== "HUMAN") throw badInput("Only a person can be deprovisioned as a leaver: retire a non-human identity from its own page.");
  const moved = await tx.identity.updateMany({ where: { id: person.id, status: { in: ["ACTIVE", "SUSPENDED"] } }, data: { status: "DEPROVISIONED" } });
  if (moved.count === 0) return null;
  const { now, actorId, reason } = input;
  // Signed out everywhere, in this transaction: a copy of their session cookie stops working at commit.
  // Sessions run on wall-clock time (server/domain/sessions), whatever the business clock says.
  const endedSessionIds = await revokeSessionsOf(tx, { identityId: person.id, cause: "deprovisioned", actorId, now: new Date() });

  const grants = await tx.grant.findMany({ where: { identityId: person.id, status: { in: ["ACTIVE", "REVOKE_FAILED", "PROVISION_FAILED"] } }, select: { id: true }, orderBy: { id: "asc" } });
  const revoking: string[] = [];
  for (const g of grants) {
    const res = await startRevocation(tx, { grantId: g.id, cause: "LEAVER", actorId, note: reason, now });
    if (res) revoking.push(g.id);
  }

  const leaver = { leaverId: person.id, actorId, now, reason };
  const cancelledRequestIds = await cancelPendingRequestsOfLeaver(tx, leaver);
  const escalatedStepIds = await escalateStagesOfLeaver(tx, leaver);

  const nhis = await tx.identity.findMany({ where: { ownerId: person.id, status: { not: "DEPROVISIONED" } }, select: { id: true, displayName: true, kind: true }, orderBy: { displayName: "asc" } });
  const assigneeId = person.managerId;
  const findingIds: string[] = [];
  for (const nhi of nhis) {
    const id = await raiseFinding(tx, {
      kind: "NHI_OWNER_LEFT",
      subjectType: "Identity",
      subjectId: nhi.id,
      assigneeId,
      details: { nhi: nhi.displayName, nhiKind: nhi.kind, formerOwnerId: person.id, formerOwner: person.displayName, reason },
      dedupeKey: `NHI_OWNER_LEFT:${nhi.id}:${person.id}`,
    });
    if (id) findingIds.push(id);
  }
  if (nhis.length > 0) {
    const recipients = assigneeId ? [assigneeId] : await activeWithRole(tx, "ADMIN");
    await notify(tx, {
      recipientIds: recipients,
      kind: "nhi.owner_left",
      title: `${person.displayName} left: ${nhis.length} non-human identit${nhis.length === 1 ? "y needs" : "ies need"} a new owner`,
      body: `${person.displayName} owned ${nhis.map((n) => n.displayName).join(", ")}. Hand each to an active owner.`,
      link: `/identities?owner=${person.id}`,
      dedupeKey: `nhi-owner-left:${person.id}`,
    });
  }

  const source = input.source.via === "portal" ? {} : { source: sourcePayload(input.source) };
  await recordEvent(tx, {
    actorId,
    action: "identity.deprovisioned",
    subjectType: "Identity",
    subjectId: person.id,
    occurredAt: now,
    payload: { reason, previousStatus: person.status, revokingGrantIds: revoking, ownedNhiIds: nhis.map((n) => n.id), findingIds, assigneeId, cancelledRequestIds, escalatedStepIds, endedSessionIds, ...source },
  });
  return { identityId: person.id, revokingGrants: revoking.length, nhisFlagged: nhis.length, cancelledRequests: cancelledRequestIds.length, escalatedStages: escalatedStepIds.length };
}

/**
 * A leaver who comes back (SCIM `active: true` again, or back in the HR file): ACTIVE again. Their old
 * access is not restored: it was revoked when they left and must be asked for again. False when the person
 * was not deprovisioned (nothing to do).
 */
export async function rejoinPerson(tx: Tx, input: Base & { identityId: string }): Promise<boolean> {
  await lockIdentities(tx, [input.identityId]);
  const person = await tx.identity.findUnique({ where: { id: input.identityId }, select: { kind: true, status: true } });
  if (!person || person.kind !== "HUMAN") throw notFound("The person");
  const back = await tx.identity.updateMany({ where: { id: input.identityId, status: "DEPROVISIONED" }, data: { status: "ACTIVE" } });
  if (back.count === 0) return false;
  await recordEvent(tx, {
    actorId: input.actorId,
    action: "identity.rejoined",
    subjectType: "Identity",
    subjectId: input.identityId,
    occurredAt: input.now,
    payload: { previousStatus: person.status, source: sourcePayload(input.source) },
  });
  return true;
}
