"use client";
/** The sign-in form: the company IdP button and, on demo portals, the demo accounts. Plain data in, no server imports. */
import { useState } from "react";
import { signIn } from "next-auth/react";

export type SignInError = { code: string; title: string; message: string };
export type DemoAccountView = { email: string; name: string; role: string; hint: string; title: string | null };

type Props = {
  /** Set when OpenID Connect is configured; `name` is what people call their company account. */
  oidc: { name: string } | null;
  /** The demo accounts that exist, or null when demo sign-in is off. */
  demo: DemoAccountView[] | null;
  demoUnavailable?: boolean;
  callbackUrl: string;
  error: SignInError | null;
};

const ROLE_TONE: Record<string, string> = {
  Employee: "bg-slate-100 text-slate-700 ring-slate-200",
  Manager: "bg-sky-50 text-sky-800 ring-sky-200",
  "System owner": "bg-violet-50 text-violet-800 ring-violet-200",
  "Security officer": "bg-rose-50 text-rose-800 ring-rose-200",
  Admin: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  Auditor: "bg-amber-50 text-amber-900 ring-amber-200",
};

function initials(name: string) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join("");
}

function Spinner() {
  return (
    <svg aria-hidden className="h-4 w-4 animate-spin" viewBox="0 0 24 24" fill="none">
      <circle cx="12" cy="12" r="10" stroke="currentColor" strokeOpacity="0.25" strokeWidth="4" />
      <path d="M22 12a10 10 0 0 0-10-10" stroke="currentColor" strokeWidth="4" strokeLinecap="round" />
    </svg>
  );
}

export function SignInPanel({ oidc, demo, demoUnavailable = false, callbackUrl, error }: Props) {
  // Which button is working; the page navigates away on success, so this is only ever reset by a failure.
  const [pending, setPending] = useState<string | null>(null);
  const [clientError, setClientError] = useState<string | null>(null);

  async function start(key: string, run: () => Promise<unknown>) {
    setPending(key);
    setClientError(null);
    try {
      await run();
    } catch {
      setPending(null);
      setClientError("Warrant could not be reached. Check your connection and try again.");
    }
  }

  const nothingConfigured = !oidc && demo === null;

  return (
    <div className="w-full max-w-lg">
      <div className="mb-8 flex items-center gap-2.5 text-xl font-semibold tracking-tight text-slate-900 lg:hidden">
        <span aria-hidden className="grid h-9 w-9 place-items-center rounded-lg bg-brand-600 text-base font-bold text-white">W</span>
        Warrant
      </div>

      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign in to Warrant</h1>
      <p className="mt-1.5 text-sm text-slate-600">Request, approve and review access — and show the evidence for every grant.</p>

      {(error || clientError) && (
        <div role="alert" data-testid="signin-error" data-error-code={error?.code} className="mt-6 flex gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <span aria-hidden className="mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full bg-red-600 text-xs font-bold text-white">!</span>
          <div>
            <p className="font-semibold">{error?.title ?? "Sign-in failed"}</p>
            <p className="mt-0.5 text-red-800">{clientError ?? error?.message}</p>
          </div>
        </div>
      )}

      {oidc && (
        <div className="mt-8">
          <button
            type="button"
            disabled={pending !== null}
            onClick={() => start("oidc", () => signIn("oidc", { callbackUrl }))}
            className="flex w-full items-center justify-center gap-2 rounded-lg bg-brand-600 px-4 py-3 text-sm font-semibold text-white shadow-sm transition-colors hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70"
          >
            {pending === "oidc" ? <Spinner /> : <KeyIcon />}
            Sign in with {oidc.name}
          </button>
          <p className="mt-2 text-center text-xs text-slate-500">You will be sent to your identity provider and brought back here.</p>
        </div>
      )}

      {oidc && demo !== null && (
        <div className="my-8 flex items-center gap-3 text-xs font-medium uppercase tracking-wide text-slate-400">
          <span className="h-px flex-1 bg-slate-200" />
          or
          <span className="h-px flex-1 bg-slate-200" />
        </div>
      )}

      {demo !== null && (
        <section aria-labelledby="demo-signin-title" className={`${oidc ? "" : "mt-8"} rounded-xl border border-amber-200 bg-white shadow-sm`}>
          <header className="rounded-t-xl border-b border-amber-200 bg-amber-50 px-4 py-3">
            <h2 id="demo-signin-title" className="flex items-center gap-2 text-sm font-semibold text-amber-950">
              <span className="rounded bg-amber-200 px-1.5 py-0.5 text-[11px] font-bold uppercase tracking-wide text-amber-900">Demo</span>
              Demo sign-in
            </h2>
            <p className="mt-1 text-xs text-amber-900">
              Demo sign-in — this portal runs with demo data; anyone can sign in as these accounts. No password is asked.
            </p>
          </header>
          {demo.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">
              {demoUnavailable
                ? "The demo accounts could not be loaded from the database. Check the server log."
                : "None of the demo accounts exist in this portal's data. Load the demo organisation with `npm run db:seed`."}
            </p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {demo.map((a) => (
                <li key={a.email}>
                  <button
                    type="button"
                    aria-label={`Sign in as ${a.name}, ${a.role}`}
                    data-email={a.email}
                    disabled={pending !== null}
                    onClick={() => start(a.email, () => signIn("demo", { email: a.email, callbackUrl }))}
                    className="group flex w-full items-center gap-3 px-4 py-3 text-left transition-colors last:rounded-b-xl hover:bg-slate-50 focus-visible:bg-slate-50 disabled:cursor-wait disabled:opacity-60"
                  >
                    <span aria-hidden className="grid h-9 w-9 shrink-0 place-items-center rounded-full bg-slate-100 text-xs font-semibold text-slate-700 ring-1 ring-slate-200">
                      {initials(a.name)}
                    </span>
                    <span className="min-w-0 flex-1">
                      <span className="flex flex-wrap items-center gap-2">
                        <span className="text-sm font-medium text-slate-900">{a.name}</span>
                        <span className={`rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ring-inset ${ROLE_TONE[a.role] ?? ROLE_TONE.Employee}`}>{a.role}</span>
                      </span>
                      <span className="block truncate text-xs text-slate-600">{a.email}</span>
                      <span className="block truncate text-xs text-slate-400">{a.hint}</span>
                    </span>
                    <span aria-hidden className="text-slate-400 transition-transform group-hover:translate-x-0.5 group-hover:text-slate-600">
                      {pending === a.email ? <Spinner /> : "→"}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {nothingConfigured && (
        <div className="mt-8 rounded-lg border border-slate-200 bg-white px-4 py-4 text-sm text-slate-700 shadow-sm">
          <p className="font-semibold text-slate-900">Sign-in is not configured</p>
          <p className="mt-1">
            This portal has no way to sign in yet. Connect your identity provider with <code className="rounded bg-slate-100 px-1">OIDC_ISSUER</code>,{" "}
            <code className="rounded bg-slate-100 px-1">OIDC_CLIENT_ID</code> and <code className="rounded bg-slate-100 px-1">OIDC_CLIENT_SECRET</code>, or turn on
            the demo sign-in with <code className="rounded bg-slate-100 px-1">DEMO_LOGIN=true</code>. See <code className="rounded bg-slate-100 px-1">docs/configuration.md</code>.
          </p>
        </div>
      )}

      <p className="mt-10 text-center text-xs text-slate-400">Every sign-in is matched to an active person in Warrant&apos;s directory.</p>
    </div>
  );
}

function KeyIcon() {
  return (
    <svg aria-hidden className="h-4 w-4" viewBox="0 0 20 20" fill="currentColor">
      <path
        fillRule="evenodd"
        d="M8 7a5 5 0 1 1 3.61 4.804l-1.903 1.903A1 1 0 0 1 9 14H8v1a1 1 0 0 1-1 1H6v1a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-2a1 1 0 0 1 .293-.707L8.196 8.39A5.002 5.002 0 0 1 8 7Zm5-3a.75.75 0 0 0 0 1.5A1.5 1.5 0 0 1 14.5 7 .75.75 0 0 0 16 7a3 3 0 0 0-3-3Z"
        clipRule="evenodd"
      />
    </svg>
  );
}
