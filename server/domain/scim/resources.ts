/**
 * SCIM 2.0 resources (RFC 7643/7644) over Warrant's people, through `scimmy` (schemas, filters, PatchOp, list
 * and error messages): this file tells scimmy how to read and write Users and Groups.
 *
 * Users are people (HUMAN identities). Every write goes through the joiner/mover/leaver service
 * (identities/lifecycle.ts) inside the request's one transaction, with the SCIM client as the actor and
 * `source: { via: "scim", clientId, clientName }` in each ledger event:
 *   - POST = joiner; PUT / PATCH = updatePerson (a new manager or department makes a mover);
 *     `active: false` = leaver (the existing leaver flow), `active: true` on a leaver = rejoin; DELETE = leaver.
 *   - userName is the person's work email (Warrant's sign-in key); emails are derived from it on the way out.
 *   - enterprise extension: employeeNumber, department, manager.value = the manager's SCIM id (Warrant id).
 * Groups are recorded, not enforced: `ScimGroup` with its members (people); each change is a ledger event.
 * Membership grants nothing in Warrant by itself (access still comes from requests and reviews), but it is
 * visible evidence of what the identity provider says, and a basis for policy later.
 */
import SCIMMY from "scimmy";
import type { PrismaClient, Tx } from "../../db";
import { DomainError } from "../../errors";
import { Prisma } from "../../db/generated/client";
import { logUnexpected } from "../../logger";
import { recordEvent } from "../../ledger/ledger";
import type { ApiClient } from "../api-tokens/service";
import { joinPerson, leavePerson, rejoinPerson, updatePerson, type PersonFields, type SyncSource } from "../identities/lifecycle";

export const SCIM_BASE_PATH = "/scim/v2";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/** The most resources one list answer holds (`count` above it is lowered to it). */
export const MAX_COUNT = 200;

export type ScimCtx = { tx: Tx; client: ApiClient; now: Date };

const ScimError = SCIMMY.Types.Error;

/** A domain refusal in SCIM's words; anything else is unexpected: logged, and a 500 with no detail. */
function toScimError(e: unknown): Error {
  if (e instanceof ScimError) return e;
  if (e instanceof DomainError) {
    if (e.code === "CONFLICT") return new ScimError(409, "uniqueness", e.message);
    if (e.code === "NOT_FOUND") return new ScimError(404, null as unknown as string, e.message);
    if (e.code === "BUSY") return new ScimError(503, null as unknown as string, e.message);
    return new ScimError(400, "invalidValue", e.message);
  }
  // A unique index hit by a parallel request (e.g. two creates of one group name): the same answer as the check.
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") return new ScimError(409, "uniqueness", "This name or externalId was just taken by another request.");
  const id = logUnexpected(e, "scim");
  return new ScimError(500, null as unknown as string, `Unexpected error (reference ${id}). Nothing was changed.`);
}

/** Wraps a handler so scimmy never turns our errors into its own guesses (it maps unknown errors to 404). */
function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      throw toScimError(e);
    }
  };
}

function source(ctx: ScimCtx): SyncSource {
  return { via: "scim", clientId: ctx.client.id, clientName: ctx.client.displayName };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = (what: string, id: string) => new ScimError(404, null as unknown as string, `${what} ${id.slice(0, 80)} not found`);

// ---------------------------------------------------------------------------------------------------------
// Users

const USER_SELECT = {
  id: true,
  kind: true,
  status: true,
  email: true,
  displayName: true,
  title: true,
  department: true,
  managerId: true,
  externalId: true,
  employeeNumber: true,
  createdAt: true,
  updatedAt: true,
} as const;
type UserRow = { id: string; status: string; email: string | null; displayName: string; title: string | null; department: string | null; managerId: string | null; externalId: string | null; employeeNumber: string | null; createdAt: Date; updatedAt: Date };

export function userOut(u: UserRow): Record<string, unknown> {
  const ext: Record<string, unknown> = {};
  if (u.employeeNumber) ext.employeeNumber = u.employeeNumber;
  if (u.department) ext.department = u.department;
  if (u.managerId) ext.manager = { value: u.managerId };
  return {
    id: u.id,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    userName: u.email ?? "",
    displayName: u.displayName,
    name: { formatted: u.displayName },
    ...(u.title ? { title: u.title } : {}),
    active: u.status === "ACTIVE",
    ...(u.email ? { emails: [{ value: u.email, type: "work", primary: true }] } : {}),
    ...(Object.keys(ext).length ? { [ENTERPRISE]: ext } : {}),
    meta: { resourceType: "User", created: u.createdAt, lastModified: u.updatedAt },
  };
}

async function loadUser(tx: Tx, id: string): Promise<UserRow> {
  if (!UUID.test(id)) throw notFound("User", id);
  const u = await tx.identity.findUnique({ where: { id }, select: USER_SELECT });
  if (!u || u.kind !== "HUMAN") throw notFound("User", id);
  return u;
}

const EMAIL = /^[^\s@]{1,200}@[^\s@]{1,200}$/;

type ScimUserIn = {
  userName?: string;
  externalId?: string;
  displayName?: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  title?: string;
  active?: boolean;
  [ENTERPRISE]?: { employeeNumber?: string; department?: string; manager?: { value?: string } };
};

/** What a SCIM user body says about a person, in Warrant's fields (every field: a PUT replaces). */
async function personFields(tx: Tx, body: ScimUserIn, selfId: string | null): Promise<PersonFields> {
  const userName = (body.userName ?? "").trim();
  if (!EMAIL.test(userName)) throw new ScimError(400, "invalidValue", "userName must be the person's work email (Warrant signs people in by it).");
  const name = body.name;
  const composed = [name?.givenName, name?.familyName].filter((s) => s && s.trim()).join(" ");
  const displayName = body.displayName?.trim() || name?.formatted?.trim() || composed || userName;
  const ext = body[ENTERPRISE] ?? {};
  let managerId: string | null = null;
  const managerRef = ext.manager?.value?.trim();
  if (managerRef) {
    if (!UUID.test(managerRef)) throw new ScimError(400, "invalidValue", `manager.value must be the SCIM id of a User in Warrant; '${managerRef.slice(0, 80)}' is not.`);
    const m = await tx.identity.findUnique({ where: { id: managerRef }, select: { kind: true } });
    if (!m || m.kind !== "HUMAN") throw new ScimError(400, "invalidValue", `manager.value ${managerRef} is not a User in Warrant.`);
    if (managerRef === selfId) throw new ScimError(400, "invalidValue", "A person cannot be their own manager.");
    managerId = managerRef;
  }
  return {
    email: userName,
    displayName: displayName.slice(0, 200),
    title: body.title ?? null,
    department: ext.department ?? null,
    employeeNumber: ext.employeeNumber ?? null,
    externalId: body.externalId ?? null,
    managerId,
  };
}

async function userIngress(resource: { id?: string }, instance: ScimUserIn, ctx: ScimCtx): Promise<Record<string, unknown>> {
  const { tx, client, now } = ctx;
  const base = { actorId: client.id, now, source: source(ctx) };
  if (!resource.id) {
    const fields = await personFields(tx, instance, null);
    const { identityId } = await joinPerson(tx, { ...base, fields });
    if (instance.active === false) await leavePerson(tx, { ...base, identityId, reason: `Created inactive by SCIM client ${client.displayName}` });
    return userOut(await loadUser(tx, identityId));
  }
  const before = await loadUser(tx, resource.id);
  const fields = await personFields(tx, instance, before.id);
  // Only an explicit `active: true` brings a leaver back: a PUT that leaves `active` out changes nothing there.
  if (instance.active === true && before.status === "DEPROVISIONED") await rejoinPerson(tx, { ...base, identityId: before.id });
  await updatePerson(tx, { ...base, identityId: before.id, fields });
  if (instance.active === false && before.status !== "DEPROVISIONED") {
    await leavePerson(tx, { ...base, identityId: before.id, reason: `Deactivated by SCIM client ${client.displayName}` });
  }
  return userOut(await loadUser(tx, before.id));
}

async function userEgress(resource: { id?: string }, ctx: ScimCtx): Promise<Record<string, unknown> | Record<string, unknown>[]> {
  if (!resource.id) throw new ScimError(500, null as unknown as string, "Lists are served by listUsers");
  return userOut(await loadUser(ctx.tx, resource.id));
}

async function userDegress(resource: { id?: string }, ctx: ScimCtx): Promise<void> {
  const user = await loadUser(ctx.tx, resource.id ?? "");
  await leavePerson(ctx.tx, { actorId: ctx.client.id, now: ctx.now, source: source(ctx), identityId: user.id, reason: `Deleted by SCIM client ${ctx.client.displayName}` });
}

// ---------------------------------------------------------------------------------------------------------
// Groups

type GroupRow = { id: string; displayName: string; externalId: string | null; createdAt: Date; updatedAt: Date; members: { identityId: string; identity: { displayName: string } }[] };
const GROUP_SELECT = {
  id: true,
  displayName: true,
  externalId: true,
  createdAt: true,
  updatedAt: true,
  members: { select: { identityId: true, identity: { select: { displayName: true } } }, orderBy: { addedAt: "asc" as const } },
};

export function groupOut(g: GroupRow, withMembers = true): Record<string, unknown> {
  return {
    id: g.id,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    displayName: g.displayName,
    ...(withMembers ? { members: g.members.map((m) => ({ value: m.identityId, display: m.identity.displayName, type: "User" })) } : {}),
    meta: { resourceType: "Group", created: g.createdAt, lastModified: g.updatedAt },
  };
}

async function loadGroup(tx: Tx, id: string): Promise<GroupRow> {
  if (!UUID.test(id)) throw notFound("Group", id);
  const g = await tx.scimGroup.findUnique({ where: { id }, select: GROUP_SELECT });
  if (!g) throw notFound("Group", id);
  return g;
}

type ScimGroupIn = { displayName?: string; externalId?: string; members?: { value?: string }[] };

async function memberIds(tx: Tx, body: ScimGroupIn): Promise<string[]> {
  const ids = [...new Set((body.members ?? []).map((m) => (m.value ?? "").trim()))];
  if (ids.length > 10_000) throw new ScimError(400, "invalidValue", "A group may carry at most 10000 members in one request.");
  const bad = ids.find((v) => !UUID.test(v));
  if (bad !== undefined) throw new ScimError(400, "invalidValue", `members.value must be the SCIM id of a User; '${bad.slice(0, 80)}' is not.`);
  const found = await tx.identity.findMany({ where: { id: { in: ids }, kind: "HUMAN" }, select: { id: true } });
  if (found.length !== ids.length) {
    const known = new Set(found.map((f) => f.id));
    throw new ScimError(400, "invalidValue", `members.value ${ids.find((i) => !known.has(i))} is not a User in Warrant.`);
  }
  return ids;
}

async function assertGroupUnique(tx: Tx, displayName: string, externalId: string | null, selfId: string | null): Promise<void> {
  const other = await tx.scimGroup.findFirst({
    where: { OR: [{ displayName }, ...(externalId ? [{ externalId }] : [])], ...(selfId ? { id: { not: selfId } } : {}) },
    select: { displayName: true },
  });
  if (other) throw new ScimError(409, "uniqueness", `A group named '${other.displayName}' (or with this externalId) already exists.`);
}

async function groupIngress(resource: { id?: string }, instance: ScimGroupIn, ctx: ScimCtx): Promise<Record<string, unknown>> {
  const { tx, client, now } = ctx;
  const displayName = (instance.displayName ?? "").trim();
  if (!displayName || displayName.length > 200) throw new ScimError(400, "invalidValue", "displayName is required (at most 200 characters).");
  const externalId = instance.externalId?.trim() || null;
  const members = await memberIds(tx, instance);
  const src = source(ctx);
  // One lock per group name, so two parallel creates of the same name make one group (and the unique index stands behind it).
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`scim-group:${displayName}`}))`;
  if (!resource.id) {
    await assertGroupUnique(tx, displayName, externalId, null);
    const g = await tx.scimGroup.create({ data: { displayName, externalId, createdById: client.id, createdAt: now, updatedAt: now }, select: { id: true } });
    if (members.length) await tx.scimGroupMember.createMany({ data: members.map((identityId) => ({ groupId: g.id, identityId, addedAt: now })) });
    await recordEvent(tx, { actorId: client.id, action: "scim.group.created", subjectType: "ScimGroup", subjectId: g.id, occurredAt: now, payload: { displayName, externalId, members, source: src } });
    return groupOut(await loadGroup(tx, g.id));
  }
  const before = await loadGroup(tx, resource.id);
  await tx.$executeRaw`SELECT 1 FROM "ScimGroup" WHERE "id" = ${before.id}::uuid FOR UPDATE`;
  await assertGroupUnique(tx, displayName, externalId, before.id);
  const had = new Set(before.members.map((m) => m.identityId));
  const wants = new Set(members);
  const added = members.filter((m) => !had.has(m));
  const removed = [...had].filter((m) => !wants.has(m));
  const renamed = displayName !== before.displayName ? { from: before.displayName, to: displayName } : null;
  const externalChanged = externalId !== before.externalId ? { from: before.externalId, to: externalId } : null;
  if (!added.length && !removed.length && !renamed && !externalChanged) return groupOut(before);
  if (removed.length) await tx.scimGroupMember.deleteMany({ where: { groupId: before.id, identityId: { in: removed } } });
  if (added.length) await tx.scimGroupMember.createMany({ data: added.map((identityId) => ({ groupId: before.id, identityId, addedAt: now })), skipDuplicates: true });
  await tx.scimGroup.update({ where: { id: before.id }, data: { displayName, externalId, updatedAt: now } });
  await recordEvent(tx, {
    actorId: client.id,
    action: "scim.group.updated",
    subjectType: "ScimGroup",
    subjectId: before.id,
    occurredAt: now,
    payload: { displayName, added, removed, renamed, externalId: externalChanged, source: src },
  });
  return groupOut(await loadGroup(tx, before.id));
}

async function groupEgress(resource: { id?: string }, ctx: ScimCtx): Promise<Record<string, unknown>> {
  if (!resource.id) throw new ScimError(500, null as unknown as string, "Lists are served by listGroups");
  return groupOut(await loadGroup(ctx.tx, resource.id));
}

async function groupDegress(resource: { id?: string }, ctx: ScimCtx): Promise<void> {
  const g = await loadGroup(ctx.tx, resource.id ?? "");
  await ctx.tx.scimGroup.delete({ where: { id: g.id } });
  await recordEvent(ctx.tx, {
    actorId: ctx.client.id,
    action: "scim.group.deleted",
    subjectType: "ScimGroup",
    subjectId: g.id,
    occurredAt: ctx.now,
    payload: { displayName: g.displayName, externalId: g.externalId, members: g.members.map((m) => m.identityId), source: source(ctx) },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Lists: filtered and paged in the database (scimmy's own list paging works on an array in memory).

/** The attributes a list may be filtered on, with `eq` (what Okta and Entra send), and their columns. */
const USER_FILTERS: Record<string, "email" | "externalId" | "id" | "displayName" | "employeeNumber"> = {
  username: "email",
  externalid: "externalId",
  id: "id",
  displayname: "displayName",
  "emails.value": "email",
  [`${ENTERPRISE}:employeenumber`.toLowerCase()]: "employeeNumber",
};
const GROUP_FILTERS: Record<string, "displayName" | "externalId" | "id"> = { displayname: "displayName", externalid: "externalId", id: "id" };

/** `attr eq "value"` from a parsed filter, or an invalidFilter error naming what is supported. */
function simpleEq<C extends string>(filter: string, allowed: Record<string, C>, what: string): { column: C; value: string } {
  const explain = `Warrant filters ${what} with one 'eq' comparison on ${Object.keys(allowed).join(", ")}.`;
  if (filter.length > 1000) throw new ScimError(400, "invalidFilter", `The filter is too long (at most 1000 characters). ${explain}`);
  let parsed: unknown[];
  try {
    parsed = new SCIMMY.Types.Filter(filter);
  } catch (e) {
    throw new ScimError(400, "invalidFilter", `${e instanceof Error ? e.message.slice(0, 200) : "Unreadable filter"}. ${explain}`);
  }
  if (parsed.length !== 1) throw new ScimError(400, "invalidFilter", explain);
  const flat: [string, unknown][] = [];
  const walk = (prefix: string, node: unknown) => {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (Array.isArray(v)) flat.push([key, v]);
      else if (v && typeof v === "object") walk(key, v);
      else flat.push([key, v]);
    }
  };
  walk("", parsed[0]);
  if (flat.length !== 1) throw new ScimError(400, "invalidFilter", explain);
  const [attr, comparison] = flat[0];
  const column = allowed[attr.toLowerCase()];
  if (!column || !Array.isArray(comparison) || String(comparison[0]).toLowerCase() !== "eq" || comparison.length !== 2) throw new ScimError(400, "invalidFilter", explain);
  return { column, value: String(comparison[1]) };
}

export type ListParams = { filter?: string; startIndex: number; count: number };

export async function listUsers(db: Tx, p: ListParams): Promise<{ total: number; resources: Record<string, unknown>[] }> {
  let where: Record<string, unknown> = { kind: "HUMAN" };
  if (p.filter) {
    const { column, value } = simpleEq(p.filter, USER_FILTERS, "Users");
    if (column === "id" && !UUID.test(value)) return { total: 0, resources: [] };
    where = { ...where, [column]: column === "email" ? { equals: value, mode: "insensitive" } : value };
  }
  const [total, rows] = await Promise.all([
    db.identity.count({ where }),
    p.count === 0 ? Promise.resolve([]) : db.identity.findMany({ where, select: USER_SELECT, orderBy: [{ createdAt: "asc" }, { id: "asc" }], skip: p.startIndex - 1, take: p.count }),
  ]);
  return { total, resources: rows.map(userOut) };
}

export async function listGroups(db: Tx, p: ListParams, excludeMembers: boolean): Promise<{ total: number; resources: Record<string, unknown>[] }> {
  let where: Record<string, unknown> = {};
  if (p.filter) {
    const { column, value } = simpleEq(p.filter, GROUP_FILTERS, "Groups");
    if (column === "id" && !UUID.test(value)) return { total: 0, resources: [] };
    where = { [column]: value };
  }
  const [total, rows] = await Promise.all([
    db.scimGroup.count({ where }),
    p.count === 0 ? Promise.resolve([]) : db.scimGroup.findMany({ where, select: GROUP_SELECT, orderBy: [{ createdAt: "asc" }, { id: "asc" }], skip: p.startIndex - 1, take: p.count }),
  ]);
  return { total, resources: rows.map((g) => groupOut(g, !excludeMembers)) };
}

// ---------------------------------------------------------------------------------------------------------
// Declaration (once per process: scimmy's registry is global; the handlers are stateless, the ctx is per call)

let declared = false;

export function declareScimResources(publicOrigin: string): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({
    documentationUri: `${publicOrigin}/docs/scim`,
    patch: { supported: true },
    filter: { supported: true, maxResults: MAX_COUNT },
    bulk: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    changePassword: { supported: false },
    authenticationSchemes: [
      { type: "oauthbearertoken", name: "Bearer token", description: "A SCIM client token issued by a Warrant admin (Admin › SCIM clients).", primary: true },
    ],
  });
  const base = `${publicOrigin}${SCIM_BASE_PATH}`;
  // scimmy's handler types describe its schema classes; ours return the plain objects it coerces.
  const handler = <F>(fn: F) => guarded(fn as never) as never;
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress(handler(userIngress))
    .egress(handler(userEgress))
    .degress(handler(userDegress));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress(handler(groupIngress))
    .egress(handler(groupEgress))
    .degress(handler(groupDegress));
  SCIMMY.Resources.User.basepath(base);
  SCIMMY.Resources.Group.basepath(base);
  SCIMMY.Resources.Schema.basepath(base);
  SCIMMY.Resources.ResourceType.basepath(base);
  SCIMMY.Resources.ServiceProviderConfig.basepath(base);
}

export { SCIMMY };
export type { PrismaClient };
