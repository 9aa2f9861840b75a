/**
 * The outbound SCIM 2.0 connector: Warrant provisions people and their group memberships into an
 * application that speaks SCIM 2.0 (RFC 7643/7644) as a service provider, e.g. a SaaS application, and
 * confirms each change by reading the group back.
 *
 * Settings (catalog, ZScimConfig): `baseUrl` (https://…/scim/v2; plain http only to this machine),
 * `tokenRef` (env:WARRANT_CONNECTOR_<NAME> or file:<name>: the application's bearer token, never stored in
 * the catalog), `userNameFrom` ("email", the default and only choice). An entitlement names its group by
 * `externalRef` (the group's displayName; the entitlement's name when it has none).
 *
 * grant:  GET /Users?filter=userName eq "<email>" (POST /Users when absent: userName, displayName, emails,
 *         externalId = Warrant's identity id, active); GET /Groups?filter=displayName eq "<ref>";
 *         PATCH /Groups/{id} {"Operations":[{"op":"add","path":"members","value":[{"value":"<userId>"}]}]}
 *         (the shape Entra ID and Okta send); then GET /Groups/{id}: confirmed only when the user is a member.
 * revoke: the same lookups; PATCH remove with path members[value eq "<userId>"]; read back: confirmed when
 *         the user is no longer a member. A user or group the application does not have is confirmed at once.
 * listAccess (reconciliation): for each managed group, GET /Groups?filter=displayName eq "<ref>" (one
 *         request per entitlement rather than paging every group of the application with all its members),
 *         then GET /Users in pages (startIndex/count, attributes=userName) until every member id has its
 *         userName. Accounts are userNames in lower case. SCIM has no sort order Warrant can rely on, so the
 *         memberships of the managed groups are collected and sorted in memory: memory grows with the number
 *         of memberships of managed groups (at most LIST_MAX_MEMBERSHIPS), not with the application's size.
 *
 * Errors are ConnectorErrors naming the application's origin, the request and its status, never the token:
 * 401/403 and other 4xx refusals are permanent (the settings or the application must be fixed; retry from
 * Tasks), 408/409/429 and 5xx and network failures are retried with backoff. Every request has a timeout and
 * every answer a size cap; redirects are refused (a bearer token must not follow one).
 */
import type { TaskAction } from "../db/generated/enums";
import { resolveSecretRef } from "./secrets";
import { ConnectorError, type Connector, type ConnectorCtx, type ListAccessCtx, type Membership, type Receipt } from "./types";

export const SCIM_TIMEOUT_MS = 15_000;
/** The largest answer read from the application (a group with its members can be large). */
export const SCIM_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Users asked for per page during discovery. */
export const SCIM_PAGE_SIZE = 200;
/** Discovery refuses an application whose managed groups hold more memberships than this (they are sorted in memory). */
export const LIST_MAX_MEMBERSHIPS = 1_000_000;
const LIST_MAX_PAGES = 100_000;

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export type ScimConfig = { baseUrl: string; tokenRef: string; userNameFrom: "email" };

export function scimConfig(raw: unknown): ScimConfig {
  const c = (raw ?? {}) as Partial<Record<keyof ScimConfig, unknown>>;
  if (typeof c.baseUrl !== "string" || !c.baseUrl) throw new ConnectorError("The SCIM connector has no baseUrl configured.", { permanent: true });
  let url: URL;
  try {
    url = new URL(c.baseUrl);
  } catch {
    throw new ConnectorError("The SCIM connector's baseUrl is not a URL.", { permanent: true });
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.username || url.password || !(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
    throw new ConnectorError("The SCIM connector's baseUrl must be https:// without credentials (plain http only to 127.0.0.1 or localhost).", { permanent: true });
  }
  if (typeof c.tokenRef !== "string" || !c.tokenRef) throw new ConnectorError("The SCIM connector has no tokenRef configured.", { permanent: true });
  if (c.userNameFrom !== undefined && c.userNameFrom !== "email") throw new ConnectorError('The SCIM connector\'s userNameFrom must be "email".', { permanent: true });
  return { baseUrl: c.baseUrl.replace(/\/+$/, ""), tokenRef: c.tokenRef, userNameFrom: "email" };
}

type ScimAnswer = { status: number; json: Record<string, unknown> | null };

/** A SCIM string literal for a filter: JSON's escaping is SCIM's (RFC 7644 §3.4.2.2). */
const lit = (v: string) => JSON.stringify(v);

class ScimClient {
  private readonly origin: string;
  constructor(
    private readonly cfg: ScimConfig,
    private readonly token: string,
  ) {
    this.origin = new URL(cfg.baseUrl).origin;
  }

  get where(): string {
    return this.cfg.baseUrl;
  }

  /** One request; the answer's JSON (size-capped). Throws a ConnectorError for anything but 2xx and the statuses `allow`ed. */
  async call(method: "GET" | "POST" | "PATCH", path: string, opts: { query?: Record<string, string>; body?: unknown; allow?: number[] } = {}): Promise<ScimAnswer> {
    const url = new URL(this.cfg.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const what = `${method} ${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/scim+json, application/json",
          ...(opts.body !== undefined ? { "content-type": "application/scim+json" } : {}),
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        redirect: "error",
        signal: AbortSignal.timeout(SCIM_TIMEOUT_MS),
      });
    } catch (e) {
      const reason = e instanceof Error && e.name === "TimeoutError" ? `no answer within ${SCIM_TIMEOUT_MS / 1000} s` : (e as Error).message;
      throw new ConnectorError(`The SCIM application at ${this.origin} could not be reached (${what}): ${reason}`);
    }
    const text = await readCapped(res, SCIM_MAX_RESPONSE_BYTES, `${this.origin} ${what}`);
    let json: Record<string, unknown> | null = null;
    if (text.trim()) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
      } catch {
        json = null;
      }
    }
    if ((res.status >= 200 && res.status < 300) || opts.allow?.includes(res.status)) {
      if (res.status !== 204 && res.status >= 200 && res.status < 300 && text.trim() && !json) throw new ConnectorError(`The SCIM application at ${this.origin} answered ${what} with something that is not a JSON object.`);
      return { status: res.status, json };
    }
    const detail = typeof json?.detail === "string" ? `: ${json.detail.slice(0, 200)}` : "";
    const retryable = res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500;
    const hint = res.status === 401 || res.status === 403 ? " (the bearer token is refused: check the token the tokenRef names, and its rights in the application)" : "";
    throw new ConnectorError(`The SCIM application at ${this.origin} answered HTTP ${res.status} to ${what}${detail}${hint}.`, { permanent: !retryable });
  }

  async findUser(userName: string): Promise<{ id: string; userName: string } | null> {
    const { json } = await this.call("GET", "/Users", { query: { filter: `userName eq ${lit(userName)}`, startIndex: "1", count: "10" } });
    const want = userName.toLowerCase();
    for (const r of resources(json, "/Users")) {
      if (typeof r.id === "string" && typeof r.userName === "string" && r.userName.toLowerCase() === want) return { id: r.id, userName: r.userName };
    }
    return null;
  }

  async findGroup(displayName: string): Promise<{ id: string; displayName: string; members: Member[] } | null> {
    const { json } = await this.call("GET", "/Groups", { query: { filter: `displayName eq ${lit(displayName)}`, startIndex: "1", count: "10" } });
    for (const r of resources(json, "/Groups")) {
      if (typeof r.id === "string" && r.displayName === displayName) return { id: r.id, displayName, members: members(r) };
    }
    return null;
  }

  async readGroupMembers(groupId: string): Promise<Member[]> {
    const { json } = await this.call("GET", `/Groups/${encodeURIComponent(groupId)}`);
    if (!json || json.id !== groupId) throw new ConnectorError(`The SCIM application at ${this.origin} answered the read-back of group ${groupId} with another resource.`);
    return members(json);
  }
}

type Member = { value: string; type: string | null };

function resources(json: Record<string, unknown> | null, what: string): Record<string, unknown>[] {
  const list = json?.Resources ?? [];
  if (!Array.isArray(list)) throw new ConnectorError(`The SCIM application's answer to GET ${what} is not a ListResponse (Resources is not a list).`);
  return list.filter((r): r is Record<string, unknown> => !!r && typeof r === "object" && !Array.isArray(r));
}

function members(group: Record<string, unknown>): Member[] {
  const list = group.members;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ConnectorError("The SCIM application's group has a members attribute that is not a list.");
  const out: Member[] = [];
  for (const m of list as unknown[]) {
    const v = (m as { value?: unknown; type?: unknown } | null)?.value;
    if (typeof v === "string" && v) out.push({ value: v, type: typeof (m as { type?: unknown }).type === "string" ? ((m as { type: string }).type) : null });
  }
  return out;
}

/** The body as text, refusing more than `max` bytes (the read stops there). */
async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new ConnectorError(`The SCIM application's answer to ${what} is larger than ${Math.round(max / 1024 / 1024)} MiB.`);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new ConnectorError(`The SCIM application's answer to ${what} is larger than ${Math.round(max / 1024 / 1024)} MiB.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function clientFor(connectorConfig: unknown): ScimClient {
  const cfg = scimConfig(connectorConfig);
  return new ScimClient(cfg, resolveSecretRef(cfg.tokenRef, "SCIM connector"));
}

/** The group an entitlement stands for in the application: its externalRef, else its name. */
function groupName(ctx: ConnectorCtx): string {
  return ctx.entitlement.externalRef?.trim() || ctx.entitlement.name;
}

function userNameOf(ctx: ConnectorCtx): string {
  const email = ctx.identity.email?.trim();
  if (!email) throw new ConnectorError(`${ctx.identity.displayName} has no email in Warrant, and the SCIM connector names people by their email (userName).`, { permanent: true });
  return email;
}

function receipt(client: ScimClient, action: TaskAction, group: string, userName: string, readBack: Record<string, unknown>, confirmed: boolean): Receipt {
  return { connector: "SCIM", action, target: `${client.where} group "${group}" member ${userName}`, performedAt: new Date().toISOString(), readBack, confirmed };
}

async function grant(ctx: ConnectorCtx): Promise<Receipt> {
  const client = clientFor(ctx.system.connectorConfig);
  const userName = userNameOf(ctx);
  const ref = groupName(ctx);
  const group = await client.findGroup(ref);
  if (!group) throw new ConnectorError(`The SCIM application at ${new URL(client.where).origin} has no group named "${ref}" (the entitlement's externalRef): create it there, or correct the entitlement.`, { permanent: true });
  let user = await client.findUser(userName);
  let userCreated = false;
  if (!user) {
    const { json, status } = await client.call("POST", "/Users", {
      body: {
        schemas: [USER_SCHEMA],
        userName,
        externalId: ctx.identity.id,
        displayName: ctx.identity.displayName,
        name: { formatted: ctx.identity.displayName },
        emails: [{ value: userName, type: "work", primary: true }],
        active: true,
      },
      allow: [409],
    });
    // 409: created meanwhile (another task, or by hand): use that account.
    if (status === 409) user = await client.findUser(userName);
    else if (json && typeof json.id === "string") {
      user = { id: json.id, userName };
      userCreated = true;
    }
    if (!user) throw new ConnectorError(`The SCIM application at ${new URL(client.where).origin} did not return the user it was asked to create.`);
  }
  await client.call("PATCH", `/Groups/${encodeURIComponent(group.id)}`, {
    body: { schemas: [PATCH_SCHEMA], Operations: [{ op: "add", path: "members", value: [{ value: user.id }] }] },
  });
  const after = await client.readGroupMembers(group.id);
  const member = after.some((m) => m.value === user.id);
  return receipt(client, "GRANT", ref, userName, { userId: user.id, userName: user.userName, userCreated, groupId: group.id, group: ref, member, hasAccess: member }, member);
}

/** Removes a userName from a group and reads the group back; an absent user or group is already the goal. */
async function removeMember(client: ScimClient, action: TaskAction, userName: string, ref: string): Promise<Receipt> {
  const user = await client.findUser(userName);
  if (!user) return receipt(client, action, ref, userName, { userFound: false, group: ref, member: false, hasAccess: false }, true);
  const group = await client.findGroup(ref);
  if (!group) return receipt(client, action, ref, userName, { userId: user.id, userName: user.userName, groupFound: false, group: ref, member: false, hasAccess: false }, true);
  const res = await client.call("PATCH", `/Groups/${encodeURIComponent(group.id)}`, {
    body: { schemas: [PATCH_SCHEMA], Operations: [{ op: "remove", path: `members[value eq ${lit(user.id)}]` }] },
    // 400 noTarget: the filter matched no member, i.e. it is already gone (the read-back says so).
    allow: [400],
  });
  if (res.status === 400 && res.json?.scimType !== "noTarget") {
    const detail = typeof res.json?.detail === "string" ? `: ${res.json.detail.slice(0, 200)}` : "";
    throw new ConnectorError(`The SCIM application at ${new URL(client.where).origin} answered HTTP 400 to PATCH /Groups/${group.id}${detail}.`, { permanent: true });
  }
  const after = await client.readGroupMembers(group.id);
  const member = after.some((m) => m.value === user.id);
  return receipt(client, action, ref, userName, { userId: user.id, userName: user.userName, groupId: group.id, group: ref, member, hasAccess: member }, !member);
}

async function* listAccess(ctx: ListAccessCtx): AsyncGenerator<Membership> {
  const client = clientFor(ctx.system.connectorConfig);
  // member id → the managed groups it is in.
  const groupsOf = new Map<string, Set<string>>();
  let total = 0;
  for (const ref of [...new Set(ctx.managedRefs)]) {
    const group = await client.findGroup(ref);
    if (!group) continue;
    for (const m of group.members) {
      if (m.type && m.type.toLowerCase() === "group") continue; // a nested group is not an account
      let set = groupsOf.get(m.value);
      if (!set) groupsOf.set(m.value, (set = new Set()));
      if (!set.has(ref)) {
        set.add(ref);
        if (++total > LIST_MAX_MEMBERSHIPS) throw new ConnectorError(`The SCIM application's managed groups hold more than ${LIST_MAX_MEMBERSHIPS} memberships: Warrant does not reconcile it.`);
      }
    }
  }
  const out: Membership[] = [];
  let pending = groupsOf.size;
  let startIndex = 1;
  for (let page = 0; pending > 0; page++) {
    if (page >= LIST_MAX_PAGES) throw new ConnectorError(`The SCIM application's user list has more than ${LIST_MAX_PAGES} pages.`);
    const { json } = await client.call("GET", "/Users", { query: { startIndex: String(startIndex), count: String(SCIM_PAGE_SIZE), attributes: "userName" } });
    const users = resources(json, "/Users");
    for (const u of users) {
      if (typeof u.id !== "string" || typeof u.userName !== "string") continue;
      const refs = groupsOf.get(u.id);
      if (!refs) continue;
      groupsOf.delete(u.id);
      pending--;
      const account = u.userName.trim().toLowerCase();
      for (const ref of refs) out.push({ account, externalRef: ref });
    }
    const totalResults = typeof json?.totalResults === "number" ? json.totalResults : null;
    startIndex += users.length;
    if (users.length === 0 || (totalResults !== null && startIndex > totalResults)) break;
  }
  // Members that are no user of the application (deleted users left in a group) are not accounts.
  out.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.externalRef < b.externalRef ? -1 : a.externalRef > b.externalRef ? 1 : 0));
  let last: Membership | null = null;
  for (const m of out) {
    if (last && last.account === m.account && last.externalRef === m.externalRef) continue; // two userNames differing in case
    last = m;
    yield m;
  }
}

export const scimConnector: Connector = {
  grant,
  revoke: (ctx) => removeMember(clientFor(ctx.system.connectorConfig), "REVOKE", userNameOf(ctx), groupName(ctx)),
  async readAccess(ctx) {
    const client = clientFor(ctx.system.connectorConfig);
    const userName = userNameOf(ctx);
    const ref = groupName(ctx);
    const user = await client.findUser(userName);
    if (!user) return { hasAccess: false, readBack: { userFound: false, group: ref } };
    const group = await client.findGroup(ref);
    if (!group) return { hasAccess: false, readBack: { userId: user.id, groupFound: false, group: ref } };
    const member = (await client.readGroupMembers(group.id)).some((m) => m.value === user.id);
    return { hasAccess: member, readBack: { userId: user.id, userName: user.userName, groupId: group.id, group: ref, member } };
  },
  listAccess,
  revokeAccount: (ctx, m) => removeMember(clientFor(ctx.system.connectorConfig), "REVOKE", m.account, m.externalRef),
};
