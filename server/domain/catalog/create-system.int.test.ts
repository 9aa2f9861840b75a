import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman, makeNhi } from "../../testing/factories";
import { catalogCast, catalogSnapshot, expectEvents, expectOneEvent, expectUnchanged } from "./catalog-test-kit";
import type { TCreateSystemInput } from "./schema";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

let n = 0;
const input = (over: Partial<TCreateSystemInput> = {}): TCreateSystemInput => ({
  name: `Ledger Service ${++n}`,
  description: "Double-entry bookkeeping",
  ownerId: cast.owner.id,
  criticality: "HIGH",
  connector: "MANUAL",
  connectorConfig: {},
  ...over,
});

describe("catalog.createSystem", () => {
  it("lets an admin create a system and records exactly one system.created event", async () => {
    const created = await cast.as.admin.catalog.createSystem(input({ name: "  Treasury  ", connector: "MANUAL", connectorConfig: { instructions: "Ask #treasury-ops" } }));
    expect(created).toMatchObject({ name: "Treasury", ownerId: cast.owner.id, criticality: "HIGH", connector: "MANUAL" });
    const event = await expectOneEvent(db.prisma, before.events, "system.created", created.id);
    expect(event).toMatchObject({ actorId: cast.admin.id, subjectType: "System" });
    expect(event.payload).toMatchObject({ name: "Treasury", ownerId: cast.owner.id, connectorConfig: { instructions: "Ask #treasury-ops" } });
    expect(await db.prisma.system.count()).toBe(before.systems.length + 1);
  });

  it("records a system created with a connector target twice: system.created, then system.connector_target_changed", async () => {
    const created = await cast.as.admin.catalog.createSystem(
      input({ name: "Treasury Hooks", connector: "WEBHOOK", connectorConfig: { url: "https://hooks.example.test/treasury", secretRef: "env:WARRANT_CONNECTOR_TREASURY_HOOK" } }),
    );
    const [createdEvent, targetEvent] = await expectEvents(db.prisma, before.events, ["system.created", "system.connector_target_changed"], created.id);
    expect(createdEvent!.payload).toMatchObject({ connectorConfig: { url: "https://hooks.example.test/treasury", secretRef: "env:WARRANT_CONNECTOR_TREASURY_HOOK" } });
    expect(targetEvent!.payload).toEqual({
      name: "Treasury Hooks",
      before: null,
      after: { connector: "WEBHOOK", url: "https://hooks.example.test/treasury", secretRef: "env:WARRANT_CONNECTOR_TREASURY_HOOK" },
      changed: ["connector", "url", "secretRef"],
    });
  });

  it("accepts each connector's own settings", async () => {
    await cast.as.admin.catalog.createSystem(input({ connector: "MANUAL", connectorConfig: { instructions: "Ask #it-ops" } }));
    await cast.as.admin.catalog.createSystem(input({ connector: "POSTGRES", connectorConfig: { database: "ledger", host: "db.internal", port: 5432 } }));
    await cast.as.admin.catalog.createSystem(input({ connector: "WEBHOOK", connectorConfig: { url: "http://127.0.0.1:8080/hook", secretRef: "env:WARRANT_CONNECTOR_LOCAL_HOOK" } }));
    // Three system.created, and a target event for each of the two systems that send changes somewhere.
    expect(await db.prisma.ledgerEvent.count()).toBe(before.events + 5);
  });

  it.each([
    ["an employee", "employee"],
    ["a security officer", "security"],
    ["an auditor", "auditor"],
    ["a system owner without ADMIN", "owner"],
  ] as const)("forbids %s and writes nothing", async (_label, who) => {
    await expect(cast.as[who].catalog.createSystem(input())).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("forbids an auditor who also holds ADMIN", async () => {
    const both = await makeHuman(db.prisma, { roles: ["ADMIN", "AUDITOR"] });
    before = await catalogSnapshot(db.prisma);
    const { callerAs } = await import("../../testing/factories");
    await expect(callerAs(db.prisma, both.id).catalog.createSystem(input())).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the signed-out and writes nothing", async () => {
    await expect(cast.as.signedOut.catalog.createSystem(input())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a duplicate name (case-insensitively) with CONFLICT and writes nothing", async () => {
    await expect(cast.as.admin.catalog.createSystem(input({ name: "payments api" }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'A system named "Payments API" already exists.',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an owner who is not an active person, naming them, and writes nothing", async () => {
    const leaver = await makeHuman(db.prisma, { name: "Lee Leaver", status: "DEPROVISIONED" });
    const bot = await makeNhi(db.prisma, cast.owner.id, { name: "svc-bot" });
    before = await catalogSnapshot(db.prisma);
    await expect(cast.as.admin.catalog.createSystem(input({ ownerId: leaver.id }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'The owner must be an active person: "Lee Leaver" is deprovisioned.',
    });
    await expect(cast.as.admin.catalog.createSystem(input({ ownerId: bot.id }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'The owner must be an active person: "svc-bot" is a non-human identity.',
    });
    await expect(cast.as.admin.catalog.createSystem(input({ ownerId: "00000000-0000-4000-8000-000000000000" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("no identity with id 00000000-0000-4000-8000-000000000000"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["a password", "POSTGRES", { database: "ledger", password: "hunter2" }, '"password"'],
    ["a nested token", "WEBHOOK", { url: "https://x.example.test", secretRef: "env:WARRANT_CONNECTOR_X", headers: { apiToken: "abc" } }, '"headers.apiToken"'],
    ["credentials in the URL", "WEBHOOK", { url: "https://user:pw@x.example.test/hook", secretRef: "env:WARRANT_CONNECTOR_X" }, "without credentials"],
  ] as const)("refuses connector settings holding %s and writes nothing", async (_label, connector, connectorConfig, named) => {
    const err = await cast.as.admin.catalog.createSystem(input({ connector, connectorConfig })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST" });
    expect((err as Error).message).toContain(named);
    await expectUnchanged(db.prisma, before);
  });

  it.each([
    ["plain http to a remote host", "WEBHOOK", { url: "http://hooks.example.test/x", secretRef: "env:WARRANT_CONNECTOR_X" }, "https://"],
    ["a webhook without secretRef", "WEBHOOK", { url: "https://hooks.example.test/x" }, "secretRef"],
    ["a Postgres connector without database", "POSTGRES", { host: "db.internal" }, "database"],
    ["an unknown setting for the manual connector", "MANUAL", { url: "https://x.example.test" }, 'unknown setting "url"'],
    ["a port out of range", "POSTGRES", { database: "ledger", port: 70000 }, "port"],
  ] as const)("refuses %s, naming the setting, and writes nothing", async (_label, connector, connectorConfig, named) => {
    const err = await cast.as.admin.catalog.createSystem(input({ connector, connectorConfig })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST" });
    expect((err as Error).message).toContain(named);
    await expectUnchanged(db.prisma, before);
  });

  it("refuses malformed input and unknown fields with BAD_REQUEST and writes nothing", async () => {
    await expect(cast.as.admin.catalog.createSystem({ ...input(), name: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("name") });
    await expect(cast.as.admin.catalog.createSystem({ ...input(), criticality: "EXTREME" as never })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(cast.as.admin.catalog.createSystem({ ...input(), id: "00000000-0000-4000-8000-000000000000" } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });
});
