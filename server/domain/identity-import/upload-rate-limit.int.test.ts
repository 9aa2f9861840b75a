/** The HR file upload is rate-limited per person (RATE_LIMIT_UPLOADS_PER_PERSON): past it, 429 and nothing read or stored. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { uploadWithinLimit } from "./upload";

// Read once, lazily, by server/env.ts: set before the first upload of this file.
process.env.RATE_LIMIT_UPLOADS_PER_PERSON = "2";

let db: TestDb;
let admin = "";
let other = "";
const T0 = new Date("2026-12-01T09:00:00Z");
// Mid-window, so the window cannot end between the uploads of this test.
const LIMIT_NOW = new Date(T0.getTime() + 10_000);

beforeAll(async () => {
  db = await createTestDb();
  admin = (await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] })).id;
  other = (await makeHuman(db.prisma, { name: "Otto Admin", roles: ["ADMIN"] })).id;
});
afterAll(async () => {
  await db.close();
});

function upload(identityId: string, email: string) {
  let read = false;
  const source = (async function* () {
    read = true;
    yield new TextEncoder().encode(`email,name\n${email},Someone New\n`);
  })();
  return uploadWithinLimit(db.prisma, identityId, { fileName: "hr.csv", fullList: false, source }, () => T0, LIMIT_NOW).then((out) => ({ out, read }));
}

describe("HR upload rate limit", () => {
  it("refuses a person's uploads past the limit with 429 and a retry time, reading and storing nothing; another admin is not affected", async () => {
    expect((await upload(admin, "one@example.test")).out.status).toBe(200);
    expect((await upload(admin, "two@example.test")).out.status).toBe(200);
    const before = await db.prisma.identityImport.count();
    const refused = await upload(admin, "three@example.test");
    expect(refused.out.status).toBe(429);
    expect(refused.read).toBe(false);
    if (refused.out.status !== 429) throw new Error("unreachable");
    expect(refused.out.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.out.body.error).toMatch(/Too many file uploads from your account\. Try again in \d+ seconds?\./);
    expect(await db.prisma.identityImport.count()).toBe(before);
    expect((await upload(other, "four@example.test")).out.status).toBe(200);
  });
});
