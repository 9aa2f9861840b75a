/** loadActor: the identity behind a session or token, with its roles, read fresh in one statement. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeHuman, makeNhi } from "../testing/factories";
import { loadActor } from "./actor";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe("loadActor", () => {
  it("reads a person with every role they hold, and a non-human identity with its owner", async () => {
    const p = await makeHuman(db.prisma, { name: "Rita Roles", roles: ["SECURITY", "ADMIN"] });
    expect(await loadActor(db.prisma, p.id)).toEqual({ id: p.id, kind: "HUMAN", displayName: "Rita Roles", email: expect.any(String), roles: ["ADMIN", "SECURITY"], ownerId: null });
    const plain = await makeHuman(db.prisma, { name: "Nora None" });
    expect((await loadActor(db.prisma, plain.id))?.roles).toEqual([]);
    const bot = await makeNhi(db.prisma, plain.id, { name: "svc-actor" });
    expect(await loadActor(db.prisma, bot.id)).toMatchObject({ id: bot.id, kind: bot.kind, roles: [], ownerId: plain.id });
  });

  it("is no actor for an identity that is not active, an unknown id, or something that is not an id", async () => {
    const s = await makeHuman(db.prisma, { name: "Sam Suspended", roles: ["ADMIN"], status: "SUSPENDED" });
    expect(await loadActor(db.prisma, s.id)).toBeNull();
    expect(await loadActor(db.prisma, "00000000-0000-4000-8000-000000000000")).toBeNull();
    for (const bad of ["", "not-an-id", "' OR 1=1 --", "00000000-0000-4000-8000-00000000000g"]) expect(await loadActor(db.prisma, bad)).toBeNull();
  });
});
