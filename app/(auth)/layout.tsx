import type { ReactNode } from "react";

const POINTS = [
  { title: "Time-bound by default", body: "Access is granted as a specific entitlement that expires and is revoked by itself." },
  { title: "Approved against policy", body: "Every decision records the policy version and the authority of the person who made it." },
  { title: "Evidence auditors can verify", body: "One hash-chained ledger, exported as evidence packs that check out offline." },
];

/** Signed-out pages: a brand panel beside the form (the panel folds away on small screens). */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="grid min-h-screen lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]">
      <aside className="keep-light-tokens relative hidden overflow-hidden bg-linear-to-br from-brand-900 via-brand-700 to-brand-600 px-12 py-10 text-white lg:flex lg:flex-col lg:justify-between">
        <div aria-hidden className="pointer-events-none absolute -right-24 -top-24 h-80 w-80 rounded-full bg-white/5" />
        <div aria-hidden className="pointer-events-none absolute -bottom-32 -left-16 h-96 w-96 rounded-full bg-white/5" />
        <div className="relative flex items-center gap-2.5 text-xl font-semibold tracking-tight">
          <span aria-hidden className="grid h-9 w-9 place-items-center rounded-lg bg-white text-base font-bold text-brand-700 shadow-sm">W</span>
          Warrant
        </div>
        <div className="relative max-w-md">
          <h2 className="text-3xl font-semibold leading-tight tracking-tight">Access that can prove itself.</h2>
          <p className="mt-3 text-brand-100">
            Request, approve, review and revoke access to every system — for people and non-human identities alike.
          </p>
          <ul className="mt-8 space-y-5">
            {POINTS.map((p) => (
              <li key={p.title} className="flex gap-3">
                <span aria-hidden className="mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full bg-white/15 text-xs">
                  ✓
                </span>
                <div>
                  <p className="font-medium">{p.title}</p>
                  <p className="text-sm text-brand-100">{p.body}</p>
                </div>
              </li>
            ))}
          </ul>
        </div>
        <p className="relative text-xs text-brand-100/80">Open-source access governance with an evidence ledger.</p>
      </aside>
      <main className="flex items-center justify-center px-4 py-10 sm:px-8">{children}</main>
    </div>
  );
}
