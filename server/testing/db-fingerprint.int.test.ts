/** The whole-database fingerprint the authorization and fuzz suites rely on sees every committed write, and only those. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "./db";
import { changedTables, dbFingerprint } from "./db-fingerprint";
import { makeHuman } from "./factories";

let t: TestDb;
let person: { id: string; displayName: string };

beforeAll(async () => {
  t = await createTestDb();
  person = await makeHuman(t.prisma, { name: "Fran Fingerprint" });
});
afterAll(async () => t?.close());

describe(`dbFingerprint (${TEST_ENGINE})`, () => {
  it("is unchanged by reads, row locks and a rolled-back write", async () => {
    const before = await dbFingerprint(t.prisma);
    await t.prisma.identity.findMany();
    await t.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Identity" WHERE "id" = ${person.id}::uuid FOR UPDATE`;
    });
    await t.prisma
      .$transaction(async (tx) => {
        await tx.identity.update({ where: { id: person.id }, data: { displayName: "Changed" } });
        throw new Error("roll back");
      })
      .catch(() => undefined);
    expect(changedTables(before, await dbFingerprint(t.prisma))).toEqual([]);
  });

  it("names the table of any committed write, even one that writes the same values", async () => {
    const before = await dbFingerprint(t.prisma);
    await t.prisma.identity.updateMany({ where: { id: person.id }, data: { displayName: person.displayName } });
    expect(changedTables(before, await dbFingerprint(t.prisma))).toEqual(["Identity"]);
    const mid = await dbFingerprint(t.prisma);
    const n = await t.prisma.notification.create({ data: { recipientId: person.id, kind: "test", title: "t", body: "b" } });
    const withNote = await dbFingerprint(t.prisma);
    expect(changedTables(mid, withNote)).toEqual(["Notification"]);
    await t.prisma.notification.delete({ where: { id: n.id } });
    expect(changedTables(withNote, await dbFingerprint(t.prisma))).toEqual(["Notification"]);
  });
});
