/** /scim/v2 rate limit per SCIM client: past RATE_LIMIT_SCIM_PER_CLIENT in a window, 429 with Retry-After, nothing done. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { callerAs, makeHuman } from "../testing/factories";
import { handleScimRequest } from "./scim-endpoint";

// Read once, lazily, by server/env.ts: set before the first request of this file.
process.env.RATE_LIMIT_SCIM_PER_CLIENT = "3";

let db: TestDb;
let token = "";
let other = "";
const T0 = new Date("2026-12-01T09:00:00Z");

beforeAll(async () => {
  db = await createTestDb();
  const admin = await makeHuman(db.prisma, { name: "Ada Admin", roles: ["ADMIN"] });
  const owner = await makeHuman(db.prisma, { name: "Olive Owner" });
  const api = callerAs(db.prisma, admin.id, () => T0);
  const client = (name: string) => api.scimClients.create({ displayName: name, ownerId: owner.id, purpose: "Rate limit test client", expiresAt: new Date(T0.getTime() + 30 * 86_400_000) });
  token = (await client("Busy SCIM")).token;
  other = (await client("Quiet SCIM")).token;
});
afterAll(async () => {
  await db.close();
});

const post = (t: string, userName: string) =>
  handleScimRequest(
    db.prisma,
    new Request("http://portal.test/scim/v2/Users", { method: "POST", headers: { Authorization: `Bearer ${t}` }, body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true }) }),
    ["Users"],
    // Mid-window, so the window cannot end between the requests of this test.
    { now: T0, rateLimitNow: new Date(T0.getTime() + 10_000) },
  );

describe("SCIM rate limit per client", () => {
  it("refuses the client's requests past the limit with 429 and Retry-After, creating nothing; another client is not affected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(token, `ok${i}@example.test`)).status);
    expect(statuses).toEqual([201, 201, 201]);
    const refused = await post(token, "late@example.test");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.json()).schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    expect(await db.prisma.identity.count({ where: { email: "late@example.test" } })).toBe(0);
    expect((await post(other, "other@example.test")).status).toBe(201);
  });
});
