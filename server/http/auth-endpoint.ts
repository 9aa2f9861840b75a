/**
 * The HTTP side of /api/auth/* (next-auth): sign-in attempts are rate-limited before next-auth sees them.
 *
 * A sign-in attempt is a POST to /api/auth/signin/<provider> (starts the OIDC flow) or any request to
 * /api/auth/callback/<provider> (the IdP's redirect back, or the demo account's POST). Each counts per client
 * address, and when the request names an email (the demo sign-in's form) per address + email too. A refusal is
 * 429 with Retry-After; the JSON body also carries `url`, the sign-in page with error=TooManyAttempts, because
 * next-auth's browser client sends the person wherever `url` points.
 */
import NextAuth from "next-auth";
import { authOptions } from "../auth/options";
import { db } from "../db";
import { env } from "../env";
import { checkRateLimit, describeRefusal, signInBuckets } from "../domain/rate-limits/policy";
import { clientAddress } from "./client-address";
import { textResponse, unexpectedResponse } from "./responses";

export function isSignInAttempt(method: string, segments: string[]): boolean {
  const [action] = segments;
  return action === "callback" || (action === "signin" && method.toUpperCase() === "POST");
}

/** The email a demo sign-in names (form field `email`), or null. Reads a copy; the request stays readable. */
async function namedEmail(req: Request): Promise<string | null> {
  if (req.method !== "POST") return null;
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded")) return null;
  const form = new URLSearchParams(await req.clone().text());
  const email = form.get("email");
  return email ? email.slice(0, 320) : null;
}

export async function handleAuthRequest(req: Request, segments: string[]): Promise<Response> {
  try {
    if (isSignInAttempt(req.method, segments)) {
      const address = clientAddress(req.headers, env().TRUST_PROXY === true);
      const limited = await checkRateLimit(db(), signInBuckets(address, await namedEmail(req)));
      if (!limited.ok) {
        const message = describeRefusal(limited);
        const retryAfter = String(limited.retryAfterSeconds);
        if (req.method === "GET") return textResponse(429, message, { "Retry-After": retryAfter });
        const base = process.env.NEXTAUTH_URL ?? new URL(req.url).origin;
        const url = new URL(`/signin?error=TooManyAttempts`, base).toString();
        return Response.json({ url, error: { message, httpStatus: 429 } }, { status: 429, headers: { "Retry-After": retryAfter, "Cache-Control": "no-store" } });
      }
    }
    return await NextAuth(authOptions())(req, { params: { nextauth: segments } });
  } catch (e) {
    return unexpectedResponse(e, `api/auth/${segments.join("/")}`);
  }
}
