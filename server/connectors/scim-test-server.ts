/**
 * A real SCIM 2.0 service provider over HTTP on 127.0.0.1, for the outbound SCIM connector's tests: Users and
 * Groups in memory, behind a bearer token. Built on scimmy, the library of Warrant's own SCIM endpoint:
 * its schemas check what is written (SCIMMY.Schemas.User / Group), its filters select (SCIMMY.Types.Filter,
 * `eq` and friends), its PatchOp applies PATCH messages (add / remove / replace, with value filters such as
 * members[value eq "…"]), and its messages shape lists and errors (ListResponse, Error).
 *
 * scimmy's resource registry (SCIMMY.Resources.declare) is global to the process and belongs to Warrant's
 * endpoint, so this server uses the schema and message classes directly and never declares resources.
 *
 * Test hooks: `ignorePatches` (answers PATCH 200 and changes nothing: a read-back mismatch), direct helpers
 * that change the application behind Warrant's back (`addMember`, `createUser`, `createGroup`), and `requests`
 * (method, path and whether the token was right; never the token).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import SCIMMY from "scimmy";

type StoredUser = { id: string; userName: string; displayName?: string; externalId?: string; active?: boolean; emails?: unknown[]; name?: unknown };
type StoredGroup = { id: string; displayName: string; members: { value: string; display?: string; type?: string }[] };

const JSON_TYPE = "application/scim+json";
const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": JSON_TYPE });
  res.end(status === 204 ? undefined : JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, scimType: string | null, detail: string) {
  send(res, status, { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new SCIMMY.Types.Error(413, null as unknown as string, "Body too large");
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new SCIMMY.Types.Error(400, "invalidSyntax", "The body is not JSON");
  }
}

/** A filter with userName compared case-insensitively (its schema says caseExact false), as real providers do. */
function matcher(filter: string | null, caseInsensitive: string[]): (r: Record<string, unknown>) => boolean {
  if (!filter) return () => true;
  let parsed: SCIMMY.Types.Filter;
  try {
    parsed = new SCIMMY.Types.Filter(filter);
  } catch (e) {
    throw new SCIMMY.Types.Error(400, "invalidFilter", (e as Error).message);
  }
  const lower = (x: unknown): unknown =>
    Array.isArray(x) ? x.map((v, i) => (i > 0 && typeof v === "string" ? v.toLowerCase() : v)) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, lower(v)])) : x;
  const exprs = parsed.map((f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, caseInsensitive.includes(k.toLowerCase()) ? lower(v) : v])));
  const f = new SCIMMY.Types.Filter(exprs as never);
  return (r) => {
    const view = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, caseInsensitive.includes(k.toLowerCase()) && typeof v === "string" ? v.toLowerCase() : v]));
    return f.match([view]).length === 1;
  };
}

function page<T>(items: T[], q: URLSearchParams, maxCount: number) {
  const startIndex = Math.max(1, Number(q.get("startIndex") ?? "1") || 1);
  const count = Math.min(maxCount, Math.max(0, Number(q.get("count") ?? String(maxCount)) || 0));
  const slice = items.slice(startIndex - 1, startIndex - 1 + count);
  const list = new SCIMMY.Messages.ListResponse(slice as never[], { startIndex: 1, count: slice.length, totalResults: items.length });
  list.startIndex = startIndex;
  return list;
}

export async function startScimServer(opts: { token: string; maxCount?: number }) {
  const users = new Map<string, StoredUser>();
  const groups = new Map<string, StoredGroup>();
  const requests: { method: string; path: string; authorized: boolean }[] = [];
  const state = { ignorePatches: false };
  const maxCount = opts.maxCount ?? 2; // small pages, so paging is exercised

  const userOut = (u: StoredUser, attributes: string | null) => {
    const full = { schemas: [SCIMMY.Schemas.User.id], ...u, meta: { resourceType: "User", location: `/scim/v2/Users/${u.id}` } };
    if (!attributes) return full;
    const keep = new Set(["id", "schemas", ...attributes.split(",").map((a) => a.trim())]);
    return Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k)));
  };
  const groupOut = (g: StoredGroup) => ({ schemas: [SCIMMY.Schemas.Group.id], ...g, members: g.members.map((m) => ({ ...m })), meta: { resourceType: "Group", location: `/scim/v2/Groups/${g.id}` } });

  function createUser(input: unknown): StoredUser {
    const parsed = new SCIMMY.Schemas.User(input as never, "in") as unknown as Omit<StoredUser, "id">;
    const taken = [...users.values()].some((u) => u.userName.toLowerCase() === parsed.userName.toLowerCase());
    if (taken) throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${parsed.userName} is taken`);
    const u: StoredUser = { id: randomUUID(), userName: parsed.userName };
    for (const k of ["displayName", "externalId", "active", "emails", "name"] as const) if (parsed[k] !== undefined) (u as Record<string, unknown>)[k] = parsed[k];
    users.set(u.id, u);
    return u;
  }

  function createGroup(displayName: string): StoredGroup {
    const g: StoredGroup = { id: randomUUID(), displayName, members: [] };
    groups.set(g.id, g);
    return g;
  }

  async function patchGroup(g: StoredGroup, body: unknown) {
    const message = new SCIMMY.Messages.PatchOp(body as never);
    if (state.ignorePatches) return; // the misbehaving application: 200, nothing changed
    const instance = new SCIMMY.Schemas.Group({ id: g.id, displayName: g.displayName, members: g.members } as never, "out");
    let patched: { displayName?: string; members?: { value: string; display?: string; type?: string }[] } | undefined;
    await message.apply(instance as never, async (i: unknown) => {
      patched = JSON.parse(JSON.stringify(i)) as typeof patched;
      return i as never;
    });
    if (!patched) return;
    const seen = new Set<string>();
    const next: StoredGroup["members"] = [];
    for (const m of patched.members ?? []) {
      if (seen.has(m.value)) continue; // adding a member twice leaves one (RFC 7644 §3.5.2.1)
      seen.add(m.value);
      if (!users.has(m.value) && !groups.has(m.value)) throw new SCIMMY.Types.Error(400, "invalidValue", `member ${m.value} is not a User or Group`);
      next.push(m);
    }
    g.members = next;
    if (patched.displayName) g.displayName = patched.displayName;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorized = req.headers.authorization === `Bearer ${opts.token}`;
    requests.push({ method: req.method ?? "", path: url.pathname + url.search, authorized });
    if (!authorized) return sendError(res, 401, null, "Bearer token required");
    const m = /^\/scim\/v2\/(Users|Groups)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return sendError(res, 404, null, "No such endpoint");
    const [, kind, id] = m;
    const method = req.method ?? "GET";
    if (kind === "Users") {
      if (!id && method === "GET") {
        const keep = matcher(url.searchParams.get("filter"), ["username"]);
        const found = [...users.values()].filter((u) => keep(u as unknown as Record<string, unknown>));
        const list = page(found, url.searchParams, maxCount);
        list.Resources = list.Resources.map((u) => userOut(u as StoredUser, url.searchParams.get("attributes"))) as never[];
        return send(res, 200, list);
      }
      if (!id && method === "POST") return send(res, 201, userOut(createUser(await readBody(req)), null));
      const u = id ? users.get(id) : undefined;
      if (!u) return sendError(res, 404, null, `User ${id} not found`);
      if (method === "GET") return send(res, 200, userOut(u, url.searchParams.get("attributes")));
      return sendError(res, 405, null, "Not supported here");
    }
    if (!id && method === "GET") {
      const keep = matcher(url.searchParams.get("filter"), []);
      const found = [...groups.values()].filter((g) => keep(g as unknown as Record<string, unknown>));
      const list = page(found, url.searchParams, maxCount);
      list.Resources = list.Resources.map((g) => groupOut(g as StoredGroup)) as never[];
      return send(res, 200, list);
    }
    if (!id && method === "POST") {
      const body = (await readBody(req)) as { displayName?: string };
      if (!body?.displayName) return sendError(res, 400, "invalidValue", "displayName is required");
      return send(res, 201, groupOut(createGroup(body.displayName)));
    }
    const g = id ? groups.get(id) : undefined;
    if (!g) return sendError(res, 404, null, `Group ${id} not found`);
    if (method === "GET") return send(res, 200, groupOut(g));
    if (method === "PATCH") {
      await patchGroup(g, await readBody(req));
      return send(res, 200, groupOut(g));
    }
    return sendError(res, 405, null, "Not supported here");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof SCIMMY.Types.Error) return sendError(res, e.status, e.scimType ?? null, e.message);
      sendError(res, 500, null, e instanceof Error ? e.message : "error");
    });
  });
  // See webhook-test-server.ts: the client closes idle connections first.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const userByName = (userName: string) => [...users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  const groupByName = (displayName: string) => [...groups.values()].find((g) => g.displayName === displayName);
  return {
    baseUrl: `http://127.0.0.1:${port}/scim/v2`,
    requests,
    state,
    users,
    groups,
    /** Behind Warrant's back: a user made in the application itself. */
    createUser: (userName: string) => createUser({ schemas: [SCIMMY.Schemas.User.id], userName, active: true }),
    createGroup,
    userByName,
    groupByName,
    /** Behind Warrant's back: an admin of the application adds someone to a group (making the user when needed). */
    addMember(displayName: string, userName: string) {
      const g = groupByName(displayName) ?? createGroup(displayName);
      const u = userByName(userName) ?? createUser({ schemas: [SCIMMY.Schemas.User.id], userName, active: true });
      if (!g.members.some((m) => m.value === u.id)) g.members.push({ value: u.id, display: u.userName, type: "User" });
    },
    /** The userNames in a group, sorted. */
    membersOf(displayName: string): string[] {
      const g = groupByName(displayName);
      return (g?.members ?? []).map((m) => users.get(m.value)?.userName ?? `?${m.value}`).sort();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ScimTestServer = Awaited<ReturnType<typeof startScimServer>>;
