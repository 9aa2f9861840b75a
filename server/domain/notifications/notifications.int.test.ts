import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import { notify } from "./notify";

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe("notifications", () => {
  it("lists only my notifications, newest first, paged; counts unread; marks read by id or all", async () => {
    const me = await makeHuman(db.prisma);
    const other = await makeHuman(db.prisma);
    await db.prisma.$transaction(async (tx) => {
      for (let i = 1; i <= 3; i++) await notify(tx, { recipientIds: [me.id], kind: "test", title: `Note ${i}`, body: "body" });
      await notify(tx, { recipientIds: [other.id], kind: "test", title: "Not yours", body: "body" });
    });
    const api = callerAs(db.prisma, me.id);
    const page = await api.notifications.list({ size: 5 });
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => r.title)).not.toContain("Not yours");
    expect(await api.notifications.unreadCount()).toBe(3);

    const theirs = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: other.id } });
    expect(await api.notifications.markRead({ ids: [page.rows[0]!.id, theirs.id] })).toEqual({ updated: 1 });
    expect((await db.prisma.notification.findUniqueOrThrow({ where: { id: theirs.id } })).readAt).toBeNull();
    expect(await api.notifications.unreadCount()).toBe(2);
    expect((await api.notifications.list({ unread: true })).total).toBe(2);
    expect(await api.notifications.markRead({ all: true })).toEqual({ updated: 2 });
    expect(await api.notifications.unreadCount()).toBe(0);
    await expect(api.notifications.markRead({ ids: [] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("notifies once per dedupe key and recipient, and only inside the caller's transaction", async () => {
    const me = await makeHuman(db.prisma);
    const n1 = await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [me.id, me.id], kind: "k", title: "t", body: "b", dedupeKey: "once" }));
    const n2 = await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [me.id], kind: "k", title: "t", body: "b", dedupeKey: "once" }));
    expect([n1, n2]).toEqual([1, 0]);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await notify(tx, { recipientIds: [me.id], kind: "k", title: "rolled back", body: "b" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.prisma.notification.count({ where: { recipientId: me.id, title: "rolled back" } })).toBe(0);
  });

  it("lets an auditor mark their own notifications read (no access changes)", async () => {
    const auditor = await makeHuman(db.prisma, { roles: ["AUDITOR"] });
    await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [auditor.id], kind: "k", title: "t", body: "b" }));
    expect(await callerAs(db.prisma, auditor.id).notifications.markRead({ all: true })).toEqual({ updated: 1 });
  });
});
