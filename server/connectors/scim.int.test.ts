/**
 * The outbound SCIM 2.0 connector against a real SCIM service provider over HTTP (scim-test-server.ts, built
 * on scimmy, started on 127.0.0.1:0): provisioning through the task worker, read-back confirmation, refusals,
 * and discovery. Reconciliation of a SCIM system is in server/domain/reconciliation/reconciliation.int.test.ts.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { processProvisioningTasks } from "../jobs/provisioning";
import { eventsSince, expectUnchanged, makeGrantWithTask, provisioningCast, provisioningSnapshot } from "../domain/provisioning/provisioning-test-kit";
import { makeHuman } from "../testing/factories";
import { checkConnectorConfig, connectorConfigIssues } from "../domain/catalog/schema";
import { SCIM_MAX_RESPONSE_BYTES, scimConnector } from "./scim";
import { startScimServer, type ScimTestServer } from "./scim-test-server";
import { ConnectorError, type ConnectorCtx, type Membership, type Receipt } from "./types";

const TOKEN = "scim-bearer-token-0123456789abcdef";
process.env.WARRANT_CONNECTOR_TEST_SCIM_TOKEN = TOKEN;
process.env.WARRANT_CONNECTOR_TEST_SCIM_WRONG = "not-the-token";
const TOKEN_REF = "env:WARRANT_CONNECTOR_TEST_SCIM_TOKEN";
const GROUP = "crm-sales";

let db: TestDb;
let scim: ScimTestServer;
let cast: Awaited<ReturnType<typeof provisioningCast>>;

beforeAll(async () => {
  db = await createTestDb();
  scim = await startScimServer({ token: TOKEN, maxCount: 2 });
  scim.createGroup(GROUP);
  cast = await provisioningCast(db.prisma, { connector: "SCIM", connectorConfig: { baseUrl: scim.baseUrl, tokenRef: TOKEN_REF }, externalRef: GROUP });
});
afterAll(async () => {
  await scim.close();
  await db.close();
});
beforeEach(() => {
  scim.state.ignorePatches = false;
  scim.requests.length = 0;
});

const task = (id: string) => db.prisma.provisioningTask.findUniqueOrThrow({ where: { id } });
const grant = (id: string) => db.prisma.grant.findUniqueOrThrow({ where: { id } });

function ctxFor(identity: { id: string; displayName: string; email: string | null }, opts: { group?: string; tokenRef?: string } = {}): ConnectorCtx {
  return {
    system: { id: cast.system.id, name: cast.system.name, connectorConfig: { baseUrl: scim.baseUrl, tokenRef: opts.tokenRef ?? TOKEN_REF } },
    entitlement: { name: "CRM sales", externalRef: opts.group ?? GROUP },
    identity: { ...identity, kind: "HUMAN" },
    taskId: "00000000-0000-4000-8000-000000000000",
  };
}

async function collect(it: AsyncIterable<Membership>): Promise<Membership[]> {
  const out: Membership[] = [];
  for await (const m of it) out.push(m);
  return out;
}

describe("SCIM connector: provisioning through the task worker", () => {
  it("a grant creates the user (userName = email, externalId = identity id) and adds it to the group; ACTIVE on the confirming read-back", async () => {
    const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: cast.holder.id, entitlementId: cast.entitlement.id, connector: "SCIM" });
    const before = await provisioningSnapshot(db.prisma);
    await processProvisioningTasks(db.prisma, new Date(), "w1", 10);

    const user = scim.userByName(cast.holder.email!)!;
    expect(user).toMatchObject({ userName: cast.holder.email, externalId: cast.holder.id, displayName: cast.holder.displayName, active: true, emails: [{ value: cast.holder.email, primary: true }] });
    expect(scim.membersOf(GROUP)).toEqual([cast.holder.email]);
    // Every request carried the token; the PATCH is the Entra / Okta shape and the group was read back after it.
    expect(scim.requests.every((r) => r.authorized)).toBe(true);
    const methods = scim.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`);
    expect(methods.slice(-2)).toEqual([`PATCH /scim/v2/Groups/${scim.groupByName(GROUP)!.id}`, `GET /scim/v2/Groups/${scim.groupByName(GROUP)!.id}`]);

    const row = await task(t.id);
    expect(row).toMatchObject({
      status: "DONE",
      receipt: { connector: "SCIM", action: "GRANT", confirmed: true, target: `${scim.baseUrl} group "${GROUP}" member ${cast.holder.email}`, readBack: { userId: user.id, userCreated: true, member: true, group: GROUP } },
    });
    expect((await grant(g.id)).status).toBe("ACTIVE");
    const events = await eventsSince(db.prisma, before.events);
    expect(events.map((e) => e.action)).toEqual(["grant.provisioned"]);
    expect(JSON.stringify(row.receipt)).not.toContain(TOKEN);
  });

  it("a revoke removes the member and is confirmed when the read-back no longer shows it; the grant is REVOKED", async () => {
    const person = await makeHuman(db.prisma, { name: "Rae Revoked" });
    scim.addMember(GROUP, person.email!);
    scim.addMember(GROUP, "stays@example.test");
    const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: person.id, entitlementId: cast.entitlement.id, connector: "SCIM", action: "REVOKE" });
    await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
    expect(scim.membersOf(GROUP)).not.toContain(person.email);
    expect(scim.membersOf(GROUP)).toContain("stays@example.test");
    expect(scim.userByName(person.email!)).toBeDefined(); // the account stays; only the membership goes
    expect(await task(t.id)).toMatchObject({ status: "DONE", receipt: { connector: "SCIM", action: "REVOKE", confirmed: true, readBack: { member: false } } });
    expect((await grant(g.id)).status).toBe("REVOKED");
  });

  it("does not confirm when the application answers the PATCH but the read-back does not show the change: the task retries, the grant stays pending", async () => {
    const person = await makeHuman(db.prisma, { name: "Ivy Ignored" });
    scim.state.ignorePatches = true;
    const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: person.id, entitlementId: cast.entitlement.id, connector: "SCIM" });
    const before = await provisioningSnapshot(db.prisma);
    await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
    expect(await task(t.id)).toMatchObject({ status: "PENDING", attempts: 1, lastError: expect.stringContaining("did not confirm") });
    expect((await grant(g.id)).status).toBe("PENDING_PROVISION");
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events);
    expect(scim.membersOf(GROUP)).not.toContain(person.email);

    // The same for a revoke: a member the application keeps is not confirmed as removed.
    scim.state.ignorePatches = false;
    scim.addMember(GROUP, person.email!);
    scim.state.ignorePatches = true;
    const r = (await scimConnector.revoke(ctxFor(person))) as Receipt;
    expect(r).toMatchObject({ confirmed: false, readBack: { member: true } });
  });

  it("a refused token fails the task at once (permanent), with a message that names no secret; nothing is created in the application", async () => {
    await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: { baseUrl: scim.baseUrl, tokenRef: "env:WARRANT_CONNECTOR_TEST_SCIM_WRONG" } } });
    try {
      const person = await makeHuman(db.prisma, { name: "Tom Token" });
      const usersBefore = scim.users.size;
      const { grant: g, task: t } = await makeGrantWithTask(db.prisma, { identityId: person.id, entitlementId: cast.entitlement.id, connector: "SCIM" });
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      const row = await task(t.id);
      expect(row).toMatchObject({ status: "FAILED", attempts: 1, lastError: expect.stringMatching(/HTTP 401 .*bearer token is refused/) });
      expect(row.lastError).not.toContain("not-the-token");
      expect((await grant(g.id)).status).toBe("PROVISION_FAILED");
      expect(scim.users.size).toBe(usersBefore);
      expect(scim.requests.every((r) => !r.authorized)).toBe(true);

      const err = await scimConnector.grant(ctxFor(person, { tokenRef: "env:WARRANT_CONNECTOR_TEST_SCIM_WRONG" })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ permanent: true });
    } finally {
      await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: { baseUrl: scim.baseUrl, tokenRef: TOKEN_REF } } });
    }
  });

  it("a server error is retried with backoff (not permanent); an unreachable application likewise", async () => {
    const person = await makeHuman(db.prisma, { name: "Una Unreachable" });
    const closed = await startScimServer({ token: TOKEN });
    await closed.close();
    const err = await scimConnector
      .grant({ ...ctxFor(person), system: { id: cast.system.id, name: "x", connectorConfig: { baseUrl: closed.baseUrl, tokenRef: TOKEN_REF } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ permanent: false, message: expect.stringContaining("could not be reached") });
    expect((err as Error).message).not.toContain(TOKEN);
  });

  it("an answer larger than the cap is refused without being read (no unbounded memory)", async () => {
    const person = await makeHuman(db.prisma, { name: "Big Answer" });
    const big = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/scim+json", "content-length": String(SCIM_MAX_RESPONSE_BYTES + 1) });
      res.write("{");
      // Never finishes: the connector must give up on the declared size, not wait for the body.
    });
    await new Promise<void>((resolve) => big.listen(0, "127.0.0.1", resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(big.address() as AddressInfo).port}/scim/v2`;
      const err = await scimConnector.grant({ ...ctxFor(person), system: { id: cast.system.id, name: "x", connectorConfig: { baseUrl, tokenRef: TOKEN_REF } } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as Error).message).toMatch(/larger than 16 MiB/);
    } finally {
      big.closeAllConnections();
      await new Promise<void>((resolve) => big.close(() => resolve()));
    }
  });

  it("a group the application does not have is a permanent error, and no user is created for it", async () => {
    const person = await makeHuman(db.prisma, { name: "Gus Groupless" });
    const err = await scimConnector.grant(ctxFor(person, { group: "no-such-group" })).catch((e: unknown) => e);
    expect(err).toMatchObject({ permanent: true, message: expect.stringContaining('no group named "no-such-group"') });
    expect(scim.userByName(person.email!)).toBeUndefined();
  });
});

describe("SCIM connector: idempotence and reads", () => {
  it("granting twice leaves one user and one membership, both confirmed; an existing user is reused, not created", async () => {
    const person = await makeHuman(db.prisma, { name: "Ida Twice" });
    const first = (await scimConnector.grant(ctxFor(person))) as Receipt;
    const second = (await scimConnector.grant(ctxFor(person))) as Receipt;
    expect(first).toMatchObject({ confirmed: true, readBack: { userCreated: true } });
    expect(second).toMatchObject({ confirmed: true, readBack: { userCreated: false, userId: first.readBack.userId } });
    expect([...scim.users.values()].filter((u) => u.userName === person.email)).toHaveLength(1);
    expect(scim.groupByName(GROUP)!.members.filter((m) => m.value === first.readBack.userId)).toHaveLength(1);
    expect(await scimConnector.readAccess(ctxFor(person))).toMatchObject({ hasAccess: true });
  });

  it("revoking someone the application does not know, or who is not a member, is confirmed at once", async () => {
    const stranger = await makeHuman(db.prisma, { name: "Sid Stranger" });
    expect(await scimConnector.revoke(ctxFor(stranger))).toMatchObject({ confirmed: true, readBack: { userFound: false } });
    expect(await scimConnector.readAccess(ctxFor(stranger))).toMatchObject({ hasAccess: false });
    scim.createUser(stranger.email!);
    expect(await scimConnector.revoke(ctxFor(stranger))).toMatchObject({ confirmed: true, readBack: { member: false } });
    expect(await scimConnector.revoke(ctxFor(stranger, { group: "gone-group" }))).toMatchObject({ confirmed: true, readBack: { groupFound: false } });
  });

  it("listAccess pages through the users and yields the managed groups' memberships as lower-case userNames, sorted by (account, group)", async () => {
    const a = startScimServer({ token: TOKEN, maxCount: 2 });
    const app = await a;
    try {
      app.addMember("zeta", "Bob@Example.test");
      app.addMember("alpha", "bob@elsewhere.test");
      app.addMember("alpha", "Bob@Example.test");
      app.addMember("zeta", "anna@example.test");
      app.addMember("unmanaged", "anna@example.test");
      for (let i = 0; i < 5; i++) app.createUser(`filler-${i}@example.test`); // more pages of users than members
      // A nested group as a member is not an account.
      app.groupByName("zeta")!.members.push({ value: app.groupByName("unmanaged")!.id, type: "Group" });
      const list = await collect(
        scimConnector.listAccess!({ system: { id: cast.system.id, name: "x", connectorConfig: { baseUrl: app.baseUrl, tokenRef: TOKEN_REF } }, managedRefs: ["zeta", "alpha", "absent-group"] }),
      );
      expect(list).toEqual([
        { account: "anna@example.test", externalRef: "zeta" },
        { account: "bob@elsewhere.test", externalRef: "alpha" },
        { account: "bob@example.test", externalRef: "alpha" },
        { account: "bob@example.test", externalRef: "zeta" },
      ]);
      expect(app.requests.filter((r) => r.path.startsWith("/scim/v2/Users?")).length).toBeGreaterThan(1);
    } finally {
      await app.close();
    }
  });
});

describe("SCIM connector settings", () => {
  it("accept an https base URL (http only to loopback) and a token reference; refuse the rest per field", () => {
    expect(checkConnectorConfig("SCIM", { baseUrl: "https://app.example.com/scim/v2", tokenRef: "env:WARRANT_CONNECTOR_APP_TOKEN" })).toMatchObject({ ok: true });
    expect(checkConnectorConfig("SCIM", { baseUrl: "http://127.0.0.1:8080/scim/v2", tokenRef: "file:app-token", userNameFrom: "email" })).toMatchObject({ ok: true });
    expect(connectorConfigIssues("SCIM", { baseUrl: "http://app.example.com/scim/v2", tokenRef: "env:NEXTAUTH_SECRET" })).toEqual({
      baseUrl: expect.stringContaining("https://"),
      tokenRef: expect.stringContaining("WARRANT_CONNECTOR_"),
    });
    expect(connectorConfigIssues("SCIM", {})).toEqual({ baseUrl: expect.stringMatching(/^Required/), tokenRef: expect.stringMatching(/^Required/) });
    expect(checkConnectorConfig("SCIM", { baseUrl: "https://user:pw@app.example.com/scim/v2", tokenRef: "env:WARRANT_CONNECTOR_A" })).toMatchObject({ ok: false, field: "baseUrl" });
    // The token itself is never a setting.
    expect(checkConnectorConfig("SCIM", { baseUrl: "https://app.example.com/scim/v2", tokenRef: "env:WARRANT_CONNECTOR_A", token: "abc" })).toMatchObject({ ok: false, field: "token" });
  });

  it("a refused grant changes nothing in Warrant when the settings are broken (no tokenRef): the task fails permanently", async () => {
    await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: { baseUrl: scim.baseUrl } } });
    try {
      const person = await makeHuman(db.prisma, { name: "Nia Nosettings" });
      const { task: t } = await makeGrantWithTask(db.prisma, { identityId: person.id, entitlementId: cast.entitlement.id, connector: "SCIM" });
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      expect(await task(t.id)).toMatchObject({ status: "FAILED", lastError: expect.stringContaining("no tokenRef") });
      expect(scim.requests).toHaveLength(0);
      const before = await provisioningSnapshot(db.prisma);
      await processProvisioningTasks(db.prisma, new Date(), "w1", 10);
      await expectUnchanged(db.prisma, before);
    } finally {
      await db.prisma.system.update({ where: { id: cast.system.id }, data: { connectorConfig: { baseUrl: scim.baseUrl, tokenRef: TOKEN_REF } } });
    }
  });
});
