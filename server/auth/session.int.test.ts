/**
 * Reading the signed-in person from a request's cookies (getSessionIdentityId, every tRPC call, route handler
 * and page): the session token is next-auth's, decrypted with the portal's secret, and the Session row it names
 * decides (identityForSessionClaims, the rule next-auth's jwt callback applies too): the person for a live
 * session, signed out for everything else. Signing in and out through next-auth itself is in the browser tests
 * (e2e/signin-oidc.spec.ts, e2e/security-http.spec.ts), which read the session this way on every page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { createTestDb, type TestDb } from "../testing/db";
import { makeHuman } from "../testing/factories";
import { revokeSession, startSession } from "../domain/sessions/service";
import { SESSION_MAX_AGE_S } from "./options";
import { identityFromSessionCookies, sessionCookieName, sessionTokenOf } from "./session";

const SECRET = "a-test-secret-of-at-least-thirty-two-characters";
process.env.NEXTAUTH_SECRET = SECRET;
const savedUrl = process.env.NEXTAUTH_URL;

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
afterEach(() => {
  process.env.NEXTAUTH_URL = savedUrl;
});

const HOUR = 3_600_000;
type Claims = Record<string, unknown>;
const cookie = (value: string, name = "next-auth.session-token") => [{ name, value }];
const token = (claims: Claims, opts: { secret?: string; maxAge?: number } = {}) =>
  encode({ token: claims, secret: opts.secret ?? SECRET, maxAge: opts.maxAge ?? SESSION_MAX_AGE_S });

async function liveSession(now = new Date()) {
  const p = await makeHuman(db.prisma);
  const sid = await startSession(db.prisma, { identityId: p.id, method: "oidc", now, maxAgeMs: SESSION_MAX_AGE_S * 1000 });
  return { person: p, sid, claims: { sub: p.id, identityId: p.id, sid } as Claims };
}

describe("the signed-in person, read from the request's cookies", () => {
  it("a live session's token stands for its person", async () => {
    const { person, claims } = await liveSession();
    expect(await identityFromSessionCookies(db.prisma, cookie(await token(claims)), new Date())).toBe(person.id);
  });

  it("a token split over several cookies is joined in the order of their suffixes, as next-auth writes it", async () => {
    const { person, claims } = await liveSession();
    const t = await token(claims);
    const third = Math.ceil(t.length / 3);
    const parts = [t.slice(0, third), t.slice(third, 2 * third), t.slice(2 * third)];
    const base = sessionCookieName();
    // Sent in any order, with an unrelated cookie among them.
    const jar = [{ name: `${base}.2`, value: parts[2]! }, { name: "theme", value: "dark" }, { name: `${base}.0`, value: parts[0]! }, { name: `${base}.1`, value: parts[1]! }];
    expect(sessionTokenOf(jar)).toBe(t);
    expect(await identityFromSessionCookies(db.prisma, jar, new Date())).toBe(person.id);
  });

  it("signed out: no cookie, a tampered token, another secret, an expired token, no session id", async () => {
    const { claims } = await liveSession();
    const good = await token(claims);
    const tampered = good.slice(0, -6) + (good.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
    const cases: [string, { name: string; value: string }[]][] = [
      ["no cookie", []],
      ["an empty cookie", cookie("")],
      ["not a token", cookie("not-a-jwt")],
      ["a tampered token", cookie(tampered)],
      ["another installation's secret", cookie(await token(claims, { secret: "another-secret-of-at-least-thirty-two-chars" }))],
      // The JWT's own expiry (next-auth allows 15 s of clock skew): a minute ago.
      ["an expired token", cookie(await token(claims, { maxAge: -60 }))],
      ["a token without a session id (from before server-side sessions)", cookie(await token({ sub: claims.sub, identityId: claims.identityId }))],
      ["a session id that is not a uuid", cookie(await token({ ...claims, sid: "' OR 1=1 --" }))],
      ["a cookie of another name", cookie(good, "next-auth.csrf-token")],
    ];
    for (const [what, jar] of cases) {
      expect(await identityFromSessionCookies(db.prisma, jar, new Date()), what).toBeNull();
    }
  });

  it("signed out once the session row says so: signed out, expired, or the person no longer active", async () => {
    const now = new Date();
    const signedOut = await liveSession();
    await revokeSession(db.prisma, { sessionId: signedOut.sid, cause: "sign-out", actorId: signedOut.person.id, now });
    const expired = await liveSession(new Date(now.getTime() - 9 * HOUR));
    const suspended = await liveSession();
    await db.prisma.identity.update({ where: { id: suspended.person.id }, data: { status: "SUSPENDED" } });
    for (const [what, s] of [["signed out", signedOut], ["the row expired", expired], ["suspended", suspended]] as const) {
      // The JWT itself is valid: only the row ends it.
      expect(await identityFromSessionCookies(db.prisma, cookie(await token(s.claims)), now), what).toBeNull();
    }
    // Reading a session changes nothing about it.
    expect(await db.prisma.session.findUniqueOrThrow({ where: { id: signedOut.sid } })).toMatchObject({ revokedCause: "sign-out" });
    expect(await db.prisma.identity.findUniqueOrThrow({ where: { id: suspended.person.id } })).toMatchObject({ status: "SUSPENDED" });
  });

  it("on https the cookie is the __Secure- one, and a cookie without the prefix is not read", async () => {
    const { person, claims } = await liveSession();
    const t = await token(claims);
    process.env.NEXTAUTH_URL = "https://warrant.example.com";
    expect(sessionCookieName()).toBe("__Secure-next-auth.session-token");
    expect(await identityFromSessionCookies(db.prisma, cookie(t, "__Secure-next-auth.session-token"), new Date())).toBe(person.id);
    expect(await identityFromSessionCookies(db.prisma, cookie(t), new Date())).toBeNull();
    process.env.NEXTAUTH_URL = "http://localhost:3000";
    expect(sessionCookieName()).toBe("next-auth.session-token");
  });
});
