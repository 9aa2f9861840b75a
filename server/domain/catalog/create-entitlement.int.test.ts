import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeEntitlement, makeHuman } from "../../testing/factories";
import { catalogCast, catalogSnapshot, expectOneEvent, expectUnchanged } from "./catalog-test-kit";
import type { TCreateEntitlementInput } from "./schema";

let db: TestDb;
let cast: Awaited<ReturnType<typeof catalogCast>>;
let before: Awaited<ReturnType<typeof catalogSnapshot>>;

beforeAll(async () => {
  db = await createTestDb();
  cast = await catalogCast(db.prisma);
  await makeEntitlement(db.prisma, cast.system.id, { name: "payments-read" });
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  before = await catalogSnapshot(db.prisma);
});

let n = 0;
const input = (over: Partial<TCreateEntitlementInput> = {}): TCreateEntitlementInput => ({
  systemId: cast.system.id,
  name: `payments-role-${++n}`,
  description: "A role",
  risk: "MEDIUM",
  privileged: false,
  requestable: true,
  maxDurationDays: 90,
  ...over,
});

describe("catalog.createEntitlement", () => {
  it("lets an admin create an entitlement owned by the system owner and records one entitlement.created event", async () => {
    const e = await cast.as.admin.catalog.createEntitlement(input({ name: "payments-refunds", externalRef: "grp_refunds", maxDurationDays: 365 }));
    expect(e).toMatchObject({ systemId: cast.system.id, name: "payments-refunds", ownerId: null, maxDurationDays: 365, externalRef: "grp_refunds" });
    const event = await expectOneEvent(db.prisma, before.events, "entitlement.created", e.id);
    expect(event).toMatchObject({ actorId: cast.admin.id, subjectType: "Entitlement" });
    expect(event.payload).toMatchObject({ systemId: cast.system.id, systemName: "Payments API", name: "payments-refunds", ownerId: null, effectiveOwnerId: cast.owner.id });
    const read = await cast.as.employee.catalog.entitlementById({ id: e.id });
    expect(read.owner.id).toBe(cast.owner.id);
  });

  it("accepts a privileged or critical entitlement of at most 90 days, with its own owner", async () => {
    const own = await makeHuman(db.prisma, { name: "Pat Payments" });
    before = await catalogSnapshot(db.prisma);
    const e = await cast.as.admin.catalog.createEntitlement(input({ risk: "CRITICAL", privileged: true, maxDurationDays: 90, ownerId: own.id }));
    expect(e).toMatchObject({ ownerId: own.id, privileged: true, risk: "CRITICAL" });
    await expectOneEvent(db.prisma, before.events, "entitlement.created", e.id);
  });

  it.each(["employee", "security", "auditor", "owner"] as const)("forbids %s and writes nothing", async (who) => {
    await expect(cast.as[who].catalog.createEntitlement(input())).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses the signed-out and writes nothing", async () => {
    await expect(cast.as.signedOut.catalog.createEntitlement(input())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses a name already used in the system (case-insensitively) with CONFLICT and writes nothing", async () => {
    await expect(cast.as.admin.catalog.createEntitlement(input({ name: "Payments-Read" }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'The system "Payments API" already has an entitlement named "payments-read".',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("allows the same name in another system", async () => {
    const other = await (await import("../../testing/factories")).makeSystem(db.prisma, cast.owner.id, { name: "Other" });
    before = await catalogSnapshot(db.prisma);
    const e = await cast.as.admin.catalog.createEntitlement(input({ systemId: other.id, name: "payments-read" }));
    await expectOneEvent(db.prisma, before.events, "entitlement.created", e.id);
  });

  it.each([
    ["privileged", { privileged: true, risk: "LOW" }],
    ["critical-risk", { privileged: false, risk: "CRITICAL" }],
  ] as const)("refuses a %s entitlement of more than 90 days, stating the rule, and writes nothing", async (_label, over) => {
    await expect(cast.as.admin.catalog.createEntitlement(input({ ...over, maxDurationDays: 91 }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Privileged and critical-risk entitlements can be granted for at most 90 days (maximum duration was 91 days).",
    });
    await expectUnchanged(db.prisma, before);
  });

  it.each([0, 366, 1.5])("refuses a maximum duration of %s days and writes nothing", async (days) => {
    await expect(cast.as.admin.catalog.createEntitlement(input({ maxDurationDays: days }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("maxDurationDays"),
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an owner who is not an active person and writes nothing", async () => {
    const leaver = await makeHuman(db.prisma, { name: "Lee Leaver", status: "DEPROVISIONED" });
    before = await catalogSnapshot(db.prisma);
    await expect(cast.as.admin.catalog.createEntitlement(input({ ownerId: leaver.id }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'The owner must be an active person: "Lee Leaver" is deprovisioned.',
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses an unknown system, naming it, and writes nothing", async () => {
    const ghost = "00000000-0000-4000-8000-000000000000";
    await expect(cast.as.admin.catalog.createEntitlement(input({ systemId: ghost }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: `No system with id ${ghost} exists.`,
    });
    await expectUnchanged(db.prisma, before);
  });

  it("refuses unknown fields (strict input) and writes nothing", async () => {
    await expect(cast.as.admin.catalog.createEntitlement({ ...input(), holders: 3 } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectUnchanged(db.prisma, before);
  });
});
