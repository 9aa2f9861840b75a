/** The demo sign-in (no password) lets in the demo accounts only, never any other active person. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { DEMO_ACCOUNTS } from "./demo-accounts";
import { identityForDemoSignIn, identityForSignIn } from "./sign-in";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe("demo sign-in", () => {
  it("accepts an active demo account, whatever the case of the email", async () => {
    const demo = await db.prisma.identity.create({ data: { kind: "HUMAN", displayName: "Grace Kim", email: DEMO_ACCOUNTS[4].email } });
    expect(await identityForDemoSignIn(db.prisma, DEMO_ACCOUNTS[4].email.toUpperCase())).toMatchObject({ id: demo.id });
  });

  it("refuses an active person who is not a demo account, an admin included (OIDC would let them in)", async () => {
    const admin = await makeHuman(db.prisma, { roles: ["ADMIN"] });
    expect(await identityForSignIn(db.prisma, admin.email!)).toMatchObject({ id: admin.id });
    expect(await identityForDemoSignIn(db.prisma, admin.email!)).toBeNull();
  });

  it("refuses a demo account that is not active", async () => {
    await db.prisma.identity.create({ data: { kind: "HUMAN", displayName: "Ruth Okafor", email: DEMO_ACCOUNTS[5].email, status: "SUSPENDED" } });
    expect(await identityForDemoSignIn(db.prisma, DEMO_ACCOUNTS[5].email)).toBeNull();
  });
});
