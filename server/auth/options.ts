/**
 * next-auth configuration. Production sign-in is OpenID Connect against the company's IdP (OIDC_* env);
 * the signed-in person is matched to an active human Identity by email. The demo sign-in (pick a demo
 * account) exists only for the embedded demo or when DEMO_LOGIN=true.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "../db";
import { env } from "../env";
import { authSecret } from "./secret";
import { identityForSignIn } from "../domain/identities/sign-in";

/** The claims of an ID token that openid-client has already validated (signature, issuer, audience, expiry). */
function idTokenClaims(idToken: string | undefined): Record<string, unknown> & { sub: string } {
  if (!idToken) throw new Error("The identity provider returned no ID token");
  return JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8"));
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
          if (!email) return null;
          const identity = await identityForSignIn(db(), email);
          return identity ? { id: identity.id, email: identity.email, name: identity.displayName } : null;
        },
      }),
    );
  }
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    providers,
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      async signIn({ user }) {
        // Only people Warrant knows, and who are active, get in; the reason is shown on the sign-in page.
        if (!user.email) return "/signin?error=NoEmail";
        const identity = await identityForSignIn(db(), user.email);
        return identity ? true : "/signin?error=UnknownPerson";
      },
      async jwt({ token, user }) {
        if (user?.email) {
          const identity = await identityForSignIn(db(), user.email);
          token.identityId = identity?.id ?? null;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, identityId: (token.identityId as string | null | undefined) ?? null };
      },
    },
  };
}
