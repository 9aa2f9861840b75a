/**
 * next-auth configuration. Production sign-in is OpenID Connect against the company's IdP (OIDC_* env);
 * the signed-in person is matched to an active human Identity by email. The demo sign-in (pick a demo
 * account) exists only for the embedded demo or when DEMO_LOGIN=true, and only for the demo accounts.
 *
 * Sessions end on the server: the JWT in the cookie carries the id of a Session row (`sid`), created at
 * sign-in; every read of the session resolves that row (server/domain/sessions/service.ts), so sign-out
 * and deprovisioning take effect at once for every copy of the cookie.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "../db";
import { env } from "../env";
import { log } from "../logger";
import { authSecret } from "./secret";
import { identityForDemoSignIn, identityForSignIn } from "../domain/identities/sign-in";
import { isDemoAccountEmail } from "../domain/identities/demo-accounts";
import { identityForSessionClaims, revokeSession, startSession } from "../domain/sessions/service";

/** The longest a session lives after sign-in (absolute: activity does not extend it). */
export const SESSION_MAX_AGE_S = 8 * 60 * 60;

/**
 * Thrown from the jwt callback when the session row says the session is over: next-auth then answers
 * "signed out" (getServerSession → null, /api/auth/session → {}) and clears the cookie.
 */
export class SessionEndedError extends Error {
  constructor() {
    super("The session has ended (signed out, expired, or the person is no longer active).");
    this.name = "SessionEndedError";
  }
}

/** The claims of an ID token that openid-client has already validated (signature, issuer, audience, expiry). */
function idTokenClaims(idToken: string | undefined): Record<string, unknown> & { sub: string } {
  if (!idToken) throw new Error("The identity provider returned no ID token");
  return JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/** The portal is served over HTTPS: cookies are Secure and get next-auth's __Secure- / __Host- names. */
export function secureCookiesOn(): boolean {
  env();
  return (process.env.NEXTAUTH_URL ?? "").startsWith("https://");
}

export function authOptions(): NextAuthOptions {
  const e = env();
  const providers: NextAuthOptions["providers"] = [];
  if (e.oidcEnabled) {
    const issuer = e.OIDC_ISSUER!.replace(/\/$/, "");
    providers.push({
      id: "oidc",
      name: e.OIDC_NAME,
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      // A conforming IdP may put only `sub` in the ID token of the code flow and the email/profile claims in
      // userinfo (oidc-provider does so by default; Okta does when it also returns an access token). The ID
      // token is still validated by openid-client; userinfo is read only when the email is missing, and must
      // be about the same `sub`.
      userinfo: {
        async request({ tokens, client }) {
          const claims = idTokenClaims(tokens.id_token);
          if (claims.email || !tokens.access_token) return claims;
          const info = await client.userinfo(tokens.access_token);
          if (info.sub !== claims.sub) throw new Error("OIDC userinfo is about another subject than the ID token");
          return { ...claims, ...info };
        },
      },
      profile(p: { sub: string; email?: string; email_verified?: boolean; name?: string }) {
        // People are matched by email, so an address the IdP itself marks unverified is not trusted.
        const email = p.email && p.email_verified !== false ? p.email : null;
        return { id: p.sub, email, name: p.name ?? p.email ?? p.sub };
      },
    });
  }
  if (e.demoLogin) {
    providers.push(
      CredentialsProvider({
        id: "demo",
        name: "Demo account",
        credentials: { email: { label: "Email", type: "email" } },
        async authorize(credentials) {
          const email = credentials?.email;
          // Only the demo accounts: never a password-less sign-in as any other person, however active.
          const identity = email ? await identityForDemoSignIn(db(), email) : null;
          return identity ? { id: identity.id, email: identity.email, name: identity.displayName } : null;
        },
      }),
    );
  }
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    // Explicit rather than next-auth's guess: Secure cookies (with the __Secure-/__Host- prefixes) whenever
    // the portal's URL is https, which is also what a TLS-terminating proxy in front needs.
    useSecureCookies: secureCookiesOn(),
    providers,
    pages: { signIn: "/signin", error: "/signin" },
    logger: {
      error(code, metadata) {
        // A revoked or expired session is an ordinary sign-out, not an error worth an operator's attention.
        if (code === "JWT_SESSION_ERROR" && (metadata as { name?: string } | undefined)?.name === "SessionEndedError") {
          log.debug("session ended", { code });
          return;
        }
        log.error(`next-auth: ${code}`, { detail: metadata instanceof Error ? { name: metadata.name, message: metadata.message, stack: metadata.stack } : metadata });
      },
      warn(code) {
        log.warn(`next-auth: ${code}`);
      },
      debug(code, metadata) {
        log.debug(`next-auth: ${code}`, { detail: metadata });
      },
    },
    callbacks: {
      async signIn({ user, account }) {
        // Only people Warrant knows, and who are active, get in; the reason is shown on the sign-in page.
        if (!user.email) return "/signin?error=NoEmail";
        if (account?.provider === "demo" && !isDemoAccountEmail(user.email)) return "/signin?error=CredentialsSignin";
        const identity = await identityForSignIn(db(), user.email);
        return identity ? true : "/signin?error=UnknownPerson";
      },
      async jwt({ token, user, account }) {
        const now = new Date();
        if (user && account) {
          // Signing in: match the person again (they may have left since the signIn callback) and open a session.
          const identity = user.email ? await identityForSignIn(db(), user.email) : null;
          if (!identity) throw new SessionEndedError();
          token.identityId = identity.id;
          token.sid = await startSession(db(), { identityId: identity.id, method: account.provider, now, maxAgeMs: SESSION_MAX_AGE_S * 1000 });
          return token;
        }
        // Every later read of the session: the row decides (the same rule as getSessionIdentityId's).
        const identityId = await identityForSessionClaims(db(), token, now);
        if (!identityId) throw new SessionEndedError();
        token.identityId = identityId;
        return token;
      },
      async session({ session, token }) {
        return { ...session, identityId: (token.identityId as string | null | undefined) ?? null };
      },
    },
    events: {
      // Sign-out ends the session row before the cookie is cleared, so a copy of the cookie stops working too.
      async signOut({ token }) {
        const sid = typeof token?.sid === "string" ? token.sid : null;
        if (!sid) return;
        const actorId = typeof token.identityId === "string" ? token.identityId : null;
        await revokeSession(db(), { sessionId: sid, cause: "sign-out", actorId, now: new Date() });
      },
    },
  };
}
