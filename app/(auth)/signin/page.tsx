import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "@/server/env";
import { db } from "@/server/db";
import { serverCaller } from "@/server/trpc/context";
import { listDemoAccounts, type DemoAccount } from "@/server/domain/identities/demo-accounts";
import { SignInPanel, type SignInError } from "@/components/auth/signin-panel";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Only same-site paths are followed after sign-in (no open redirect through ?callbackUrl=). */
function safeCallbackUrl(raw: string | undefined): string {
  if (!raw) return "/";
  try {
    const url = new URL(raw, "http://warrant.invalid");
    if (url.origin !== "http://warrant.invalid" && !isSameOrigin(raw)) return "/";
    const path = `${url.pathname}${url.search}${url.hash}`;
    return path.startsWith("/signin") || path.startsWith("/api/") ? "/" : path;
  } catch {
    return "/";
  }
}

function isSameOrigin(raw: string): boolean {
  const base = env().NEXTAUTH_URL;
  if (!base) return false;
  try {
    return new URL(raw).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/** next-auth's error codes (and ours from the signIn callback), said so a person knows what to do next. */
function describeError(code: string, oidcName: string): SignInError {
  switch (code) {
    case "UnknownPerson":
      return {
        code,
        title: "Your account cannot sign in to Warrant",
        message: "Your account is not known to Warrant or is not active; ask your administrator to add you or to reactivate your account.",
      };
    case "NoEmail":
      return {
        code,
        title: "Your email address was not shared",
        message: `Signing in with ${oidcName} worked, but it did not tell Warrant your email address, so Warrant cannot tell who you are. Ask your administrator to release the email claim to Warrant.`,
      };
    case "CredentialsSignin":
      return {
        code,
        title: "That demo account is not available",
        message: "The demo account could not sign in: it does not exist in this portal's data or is not active. Pick another account.",
      };
    case "TooManyAttempts":
      return {
        code,
        title: "Too many sign-in attempts",
        message: "There were too many sign-in attempts from your network address in a short time. Wait a minute, then try again.",
      };
    case "OAuthSignin":
      return {
        code,
        title: `Could not start sign-in with ${oidcName}`,
        message: `Warrant could not start signing you in with ${oidcName}. The identity provider may be unreachable; try again in a moment, or tell your administrator if it keeps happening.`,
      };
    case "OAuthCallback":
    case "Callback":
    case "OAuthCreateAccount":
      return {
        code,
        title: "Sign-in was not completed",
        message: `${oidcName} did not complete the sign-in (it was cancelled, took too long, or was refused). Try again.`,
      };
    case "AccessDenied":
      return { code, title: "Access denied", message: "You are not allowed to sign in to Warrant. Ask your administrator if you think this is wrong." };
    case "SessionRequired":
      return { code, title: "Please sign in", message: "Sign in to see this page." };
    case "Configuration":
      return {
        code,
        title: "Sign-in is misconfigured",
        message: "The portal's sign-in configuration has a problem. Tell your administrator; the server log says what is wrong.",
      };
    default:
      return { code, title: "Sign-in failed", message: "Something went wrong while signing you in. Try again; tell your administrator if it keeps happening." };
  }
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const first = (k: string) => (Array.isArray(params[k]) ? params[k][0] : params[k]);
  const e = env();
  const callbackUrl = safeCallbackUrl(first("callbackUrl"));
  const errorCode = first("error");

  // Someone already signed in (and still active) has nothing to do here.
  if (!errorCode) {
    const me = await (await serverCaller()).me.current().catch(() => null);
    if (me) redirect(callbackUrl);
  }

  let demo: DemoAccount[] | null = null;
  let demoUnavailable = false;
  if (e.demoLogin) {
    try {
      demo = await listDemoAccounts(db());
    } catch (err) {
      console.error("sign-in: could not list the demo accounts", err);
      demoUnavailable = true;
      demo = [];
    }
  }

  return (
    <SignInPanel
      oidc={e.oidcEnabled ? { name: e.OIDC_NAME } : null}
      demo={demo}
      demoUnavailable={demoUnavailable}
      callbackUrl={callbackUrl}
      error={errorCode ? describeError(errorCode, e.OIDC_NAME) : null}
    />
  );
}
