/**
 * Sessions end on the server: a session id resolves to its person only while the row is open, unexpired and
 * the person active; sign-out and deprovisioning end it at once, each with a `session.revoked` ledger event
 * (deprovisioning in the same transaction as the leaver change).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { callerAs, makeHuman } from "../../testing/factories";
import { LAST_SEEN_EVERY_MS, resolveSession, revokeSession, startSession, sweepEndedSessions } from "./service";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const HOUR = 3_600_000;
const events = (subjectId: string) => db.prisma.ledgerEvent.findMany({ where: { subjectType: "Session", subjectId }, orderBy: { seq: "asc" } });

describe("server-side sessions", () => {
  it("starts a session with its ledger event; the id resolves to the person until it expires", async () => {
    const p = await makeHuman(db.prisma);
    const t0 = new Date();
    const sid = await startSession(db.prisma, { identityId: p.id, method: "demo", now: t0, maxAgeMs: 8 * HOUR });
    expect(await resolveSession(db.prisma, sid, new Date(t0.getTime() + HOUR))).toBe(p.id);
    expect(await resolveSession(db.prisma, sid, new Date(t0.getTime() + 8 * HOUR))).toBeNull();
    expect((await events(sid)).map((e) => [e.action, e.actorId, (e.payload as { method: string }).method])).toEqual([["session.started", p.id, "demo"]]);
  });

  it("an unknown or malformed id resolves to nobody", async () => {
    expect(await resolveSession(db.prisma, "00000000-0000-4000-8000-000000000000", new Date())).toBeNull();
    expect(await resolveSession(db.prisma, "' OR 1=1 --", new Date())).toBeNull();
  });

  it("sign-out ends it at once (a copy of the cookie is worth nothing), once, with the cause in the ledger", async () => {
    const p = await makeHuman(db.prisma);
    const now = new Date();
    const sid = await startSession(db.prisma, { identityId: p.id, method: "oidc", now, maxAgeMs: 8 * HOUR });
    expect(await revokeSession(db.prisma, { sessionId: sid, cause: "sign-out", actorId: p.id, now })).toBe(true);
    expect(await resolveSession(db.prisma, sid, now)).toBeNull();
    // Signing out again (a second tab) changes nothing and writes nothing.
    const ledgerBefore = await db.prisma.ledgerEvent.count();
    expect(await revokeSession(db.prisma, { sessionId: sid, cause: "sign-out", actorId: p.id, now })).toBe(false);
    expect(await db.prisma.ledgerEvent.count()).toBe(ledgerBefore);
    const revoked = (await events(sid)).filter((e) => e.action === "session.revoked");
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actorId: p.id, payload: { identityId: p.id, cause: "sign-out" } });
    expect(await db.prisma.session.findUniqueOrThrow({ where: { id: sid } })).toMatchObject({ revokedCause: "sign-out" });
  });

  it("a person who is no longer active is signed out, whatever their session row says", async () => {
    const p = await makeHuman(db.prisma);
    const sid = await startSession(db.prisma, { identityId: p.id, method: "demo", now: new Date(), maxAgeMs: 8 * HOUR });
    await db.prisma.identity.update({ where: { id: p.id }, data: { status: "SUSPENDED" } });
    expect(await resolveSession(db.prisma, sid, new Date())).toBeNull();
  });

  it("refreshes lastSeenAt at most every few minutes, not on every request", async () => {
    const p = await makeHuman(db.prisma);
    const t0 = new Date(Date.now() - HOUR);
    const sid = await startSession(db.prisma, { identityId: p.id, method: "demo", now: t0, maxAgeMs: 8 * HOUR });
    await resolveSession(db.prisma, sid, new Date(t0.getTime() + 1000));
    expect((await db.prisma.session.findUniqueOrThrow({ where: { id: sid } })).lastSeenAt).toEqual(t0);
    const later = new Date(t0.getTime() + LAST_SEEN_EVERY_MS + 1000);
    await resolveSession(db.prisma, sid, later);
    expect((await db.prisma.session.findUniqueOrThrow({ where: { id: sid } })).lastSeenAt).toEqual(later);
  });

  it("deprovisioning ends every session of the leaver in the same transaction, one event each", async () => {
    const admin = await makeHuman(db.prisma, { roles: ["ADMIN"] });
    const leaver = await makeHuman(db.prisma);
    const bystander = await makeHuman(db.prisma);
    const now = new Date();
    const sids = [
      await startSession(db.prisma, { identityId: leaver.id, method: "oidc", now, maxAgeMs: 8 * HOUR }),
      await startSession(db.prisma, { identityId: leaver.id, method: "demo", now, maxAgeMs: 8 * HOUR }),
    ];
    const signedOut = await startSession(db.prisma, { identityId: leaver.id, method: "demo", now, maxAgeMs: 8 * HOUR });
    await revokeSession(db.prisma, { sessionId: signedOut, cause: "sign-out", actorId: leaver.id, now });
    const other = await startSession(db.prisma, { identityId: bystander.id, method: "demo", now, maxAgeMs: 8 * HOUR });

    await callerAs(db.prisma, admin.id).grants.deprovisionIdentity({ identityId: leaver.id, reason: "Left the company" });

    for (const sid of sids) {
      expect(await resolveSession(db.prisma, sid, new Date())).toBeNull();
      const ended = (await events(sid)).filter((e) => e.action === "session.revoked");
      expect(ended.map((e) => [e.actorId, (e.payload as { cause: string }).cause])).toEqual([[admin.id, "deprovisioned"]]);
    }
    // Already ended: not ended again. Someone else's: untouched.
    expect((await events(signedOut)).filter((e) => e.action === "session.revoked")).toHaveLength(1);
    expect(await resolveSession(db.prisma, other, new Date())).toBe(bystander.id);
    // The leaver change itself names the sessions it ended, and comes after their events (same transaction).
    const dep = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "identity.deprovisioned", subjectId: leaver.id } });
    expect((dep.payload as { endedSessionIds: string[] }).endedSessionIds.sort()).toEqual([...sids].sort());
    const lastRevoke = await db.prisma.ledgerEvent.findFirstOrThrow({ where: { action: "session.revoked", subjectId: { in: sids } }, orderBy: { seq: "desc" } });
    expect(lastRevoke.seq).toBeLessThan(dep.seq);
  });

  it("a refused deprovisioning ends no session", async () => {
    const security = await makeHuman(db.prisma, { roles: ["SECURITY"] });
    const p = await makeHuman(db.prisma);
    const sid = await startSession(db.prisma, { identityId: p.id, method: "demo", now: new Date(), maxAgeMs: 8 * HOUR });
    const ledgerBefore = await db.prisma.ledgerEvent.count();
    await expect(callerAs(db.prisma, security.id).grants.deprovisionIdentity({ identityId: p.id, reason: "Not mine to do" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await resolveSession(db.prisma, sid, new Date())).toBe(p.id);
    expect(await db.prisma.ledgerEvent.count()).toBe(ledgerBefore);
  });

  it("sweeps sessions that ended more than a day ago, keeps the rest", async () => {
    const p = await makeHuman(db.prisma);
    const longAgo = new Date(Date.now() - 3 * 24 * HOUR);
    const old = await startSession(db.prisma, { identityId: p.id, method: "demo", now: longAgo, maxAgeMs: 8 * HOUR });
    const live = await startSession(db.prisma, { identityId: p.id, method: "demo", now: new Date(), maxAgeMs: 8 * HOUR });
    await sweepEndedSessions(db.prisma, new Date());
    expect(await db.prisma.session.count({ where: { id: old } })).toBe(0);
    expect(await db.prisma.session.count({ where: { id: live } })).toBe(1);
  });
});
