import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../testing/db";
import { makeGrant, makeNhi } from "../testing/factories";
import { eventsSince, provisioningCast } from "../domain/provisioning/provisioning-test-kit";
import { revokeExpiredGrants, warnExpiringGrants } from "./expiry";

let db: TestDb;
let cast: Awaited<ReturnType<typeof provisioningCast>>;
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestDb();
  cast = await provisioningCast(db.prisma);
});
afterAll(async () => {
  await db.close();
});

describe("expiry", () => {
  it("warns the holder once, 3 days ahead, with a link to a one-click extension request", async () => {
    const now = new Date();
    const soon = await makeGrant(db.prisma, cast.employee.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(now.getTime() + 2 * DAY) });
    const later = await makeGrant(db.prisma, cast.employee.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(now.getTime() + 10 * DAY) });
    const nhi = await makeNhi(db.prisma, cast.holder.id);
    const nhiGrant = await makeGrant(db.prisma, nhi.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(now.getTime() + DAY) });

    expect(await warnExpiringGrants(db.prisma, now)).toEqual({ processed: 2 });
    const notes = await db.prisma.notification.findMany({ where: { kind: "grant.expiring" } });
    expect(notes).toHaveLength(2);
    expect(notes.find((n) => n.recipientId === cast.employee.id)).toMatchObject({ link: `/requests/new?extend=${soon.id}` });
    // A non-human identity cannot read notifications: its owner is told.
    expect(notes.find((n) => n.recipientId === cast.holder.id)).toMatchObject({ link: `/requests/new?extend=${nhiGrant.id}` });
    expect(notes.some((n) => n.link?.includes(later.id))).toBe(false);

    // Running again (or from a second worker) sends nothing new.
    expect(await warnExpiringGrants(db.prisma, new Date(now.getTime() + 3_600_000))).toEqual({ processed: 0 });
    expect(await db.prisma.notification.count({ where: { kind: "grant.expiring" } })).toBe(2);
  });

  it("revokes due grants (cause EXPIRY, 'grant.expired'), tells the holder, and leaves others alone", async () => {
    const now = new Date();
    const due = await makeGrant(db.prisma, cast.manager.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(now.getTime() - 1000) });
    const notDue = await makeGrant(db.prisma, cast.manager.id, cast.entitlement.id, { origin: "REQUEST", expiresAt: new Date(now.getTime() + DAY) });
    const standing = await makeGrant(db.prisma, cast.manager.id, cast.entitlement.id, { expiresAt: null });
    const before = await db.prisma.ledgerEvent.count();
    // Other grants of earlier tests are due too by now + 11 days; use `now` here.
    const res = await revokeExpiredGrants(db.prisma, now);
    expect(res.processed).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: due.id } })).toMatchObject({ status: "PENDING_REVOKE", revocationCause: "EXPIRY", revokedById: null });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: notDue.id } })).status).toBe("ACTIVE");
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: standing.id } })).status).toBe("ACTIVE");
    const events = await eventsSince(db.prisma, before);
    expect(events.filter((e) => e.subjectId === due.id).map((e) => e.action)).toEqual(["grant.revocation_requested", "grant.expired"]);
    expect(await db.prisma.notification.findFirst({ where: { recipientId: cast.manager.id, kind: "grant.expired" } })).toMatchObject({ link: `/requests/new?extend=${due.id}` });
  });
});
