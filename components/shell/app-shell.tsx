"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useState, type ReactNode } from "react";
import type { Me } from "@/server/domain/identities/me";
import { roleLabels } from "@/server/domain/identities/schema";
import { ThemeToggle } from "@/components/ui/theme";
import { CommandPalette } from "@/components/search/command-palette";

type NavItem = { href: string; label: string; show: (me: Me) => boolean; match?: (path: string, me: Me) => boolean };

/** Navigation by role and relationship. The server checks every power again; this only hides what is useless. */
const isGovernance = (me: Me) => me.roles.some((r) => r === "ADMIN" || r === "SECURITY" || r === "AUDITOR");
const actsOnAccess = (me: Me) => !me.roles.includes("AUDITOR");

/** Each label is the title of the page it opens (e2e/accessibility.spec.ts checks it for every role). */
const NAV: { group: string; items: NavItem[] }[] = [
  {
    group: "Access",
    items: [
      { href: "/", label: "Home", show: () => true, match: (p) => p === "/" },
      { href: "/requests/new", label: "Request access", show: actsOnAccess, match: (p) => p === "/requests/new" },
      // A request's page (/requests/<id>) is reached from My requests and from Approvals alike: neither is
      // highlighted there rather than guessing which one the person came from.
      { href: "/requests", label: "My requests", show: actsOnAccess, match: (p) => p === "/requests" },
      { href: "/approvals", label: "Approvals", show: actsOnAccess, match: (p) => p === "/approvals" },
      // Delegation is reached from the Approvals page (it is about one's approvals).
      // Access reviews: a reviewer's items; the campaign pages themselves are under Governance for those who oversee them.
      { href: "/campaigns", label: "Access reviews", show: actsOnAccess, match: (p) => p === "/campaigns" || p.startsWith("/campaigns/") },
      { href: "/tasks", label: "Tasks", show: (me) => me.ownsSystems || me.roles.some((r) => r === "ADMIN" || r === "SECURITY") },
    ],
  },
  {
    group: "Organisation",
    items: [
      { href: "/identities", label: "Directory", show: () => true },
      { href: "/catalog", label: "Systems", show: () => true, match: (p) => p === "/catalog" || p.startsWith("/catalog/systems") },
      { href: "/catalog/entitlements", label: "Entitlements", show: () => true },
      // The REST API's reference (made from its OpenAPI document), for whoever builds an integration.
      { href: "/developers/api", label: "API reference", show: () => true },
    ],
  },
  {
    group: "Governance",
    items: [
      // The audit hub: evidence ledger, grant lineage, access as of a date, control checks, evidence packs.
      { href: "/audit", label: "Audit", show: isGovernance, match: (p) => p === "/audit" || p.startsWith("/audit/") },
      { href: "/findings", label: "Findings", show: isGovernance },
      // Auditors do not review access; they oversee the campaigns here (everyone else has it under Access).
      { href: "/campaigns", label: "Access reviews", show: (me) => !actsOnAccess(me), match: (p) => p === "/campaigns" || p.startsWith("/campaigns/") },
      { href: "/admin/policy", label: "Approval policy", show: isGovernance },
      // Identity providers pushing people in over SCIM, and their tokens.
      { href: "/admin/scim", label: "SCIM clients", show: isGovernance },
      // Where the ledger's events go: signed webhooks to SIEM and GRC tools, their cursors and dead letters.
      { href: "/admin/webhooks", label: "Webhooks", show: isGovernance, match: (p) => p === "/admin/webhooks" || p.startsWith("/admin/webhooks/") },
    ],
  },
];

function MenuIcon({ open }: { open: boolean }) {
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" className="h-5 w-5">
      {open ? <path d="M5 5l10 10M15 5L5 15" /> : <path d="M3 5.5h14M3 10h14M3 14.5h14" />}
    </svg>
  );
}

function BellIcon() {
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="h-5 w-5">
      <path d="M10 2a6 6 0 0 0-6 6v2.6l-1.3 2.6A1 1 0 0 0 3.6 15h12.8a1 1 0 0 0 .9-1.4L16 10.6V8a6 6 0 0 0-6-6Zm0 16a2.5 2.5 0 0 1-2.4-2h4.8A2.5 2.5 0 0 1 10 18Z" />
    </svg>
  );
}

/** The navigation a person sees: groups with at least one item for them. */
function visibleNav(me: Me) {
  return NAV.map((g) => ({ ...g, items: g.items.filter((n) => n.show(me)) })).filter((g) => g.items.length > 0);
}

function isActive(n: NavItem, path: string, me: Me) {
  return n.match ? n.match(path, me) : path === n.href || path.startsWith(n.href + "/");
}

/**
 * The frame of every portal page. From 768 px up the navigation is a row under the header; below, a "Menu"
 * button opens it as a list (with the person and Sign out), so a phone never scrolls the header sideways.
 */
export function AppShell({ me, demo, unread = 0, children }: { me: Me; demo: boolean; unread?: number; children: ReactNode }) {
  const path = usePathname();
  const nav = visibleNav(me);
  const [menuOpen, setMenuOpen] = useState(false);
  // The menu closes when the page changes (a link in it was followed): state adjusted while rendering, not in an effect.
  const [menuPath, setMenuPath] = useState(path);
  if (menuPath !== path) {
    setMenuPath(path);
    setMenuOpen(false);
  }
  const roles = roleLabels(me).join(" · ");
  return (
    <div className="flex min-h-screen flex-col">
      {demo && (
        <div className="bg-amber-100 px-4 py-1.5 print:hidden text-center text-xs font-medium text-amber-900">
          Demo portal: demo data and password-less demo sign-in are on. Do not use for real access decisions.
        </div>
      )}
      <header className="border-b border-slate-200 bg-white print:hidden" onKeyDown={(e) => e.key === "Escape" && menuOpen && setMenuOpen(false)}>
        <div className="mx-auto flex max-w-7xl items-center gap-2 px-4 pb-3 pt-3 sm:gap-4 sm:px-6 md:pb-1">
          <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight text-slate-900">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-brand-600 text-sm font-bold text-white">W</span>
            Warrant
          </Link>
          <div className="flex-1" />
          <div className="flex items-center gap-1 sm:gap-3">
            <CommandPalette />
            <ThemeToggle />
            <Link href="/notifications" className="relative rounded-md px-2 py-1.5 text-sm text-slate-600 hover:bg-slate-100" aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
              <BellIcon />
              {unread > 0 && <span className="absolute -right-1 -top-1 rounded-full bg-red-600 px-1.5 text-[10px] font-semibold text-white">{unread > 99 ? "99+" : unread}</span>}
            </Link>
            <div className="hidden text-right md:block">
              <Link href={`/identities/${me.id}`} className="block text-sm font-medium text-slate-900 hover:underline" data-testid="signed-in-as">
                {me.displayName}
              </Link>
              <span className="block text-xs text-slate-500" data-testid="signed-in-roles">
                {roles}
              </span>
            </div>
            <button type="button" onClick={() => signOut({ callbackUrl: "/signin" })} className="hidden rounded-md border border-slate-300 px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50 md:block">
              Sign out
            </button>
            <button
              type="button"
              onClick={() => setMenuOpen((o) => !o)}
              aria-expanded={menuOpen}
              aria-controls="phone-menu"
              data-testid="menu-button"
              className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-2.5 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 md:hidden"
            >
              <MenuIcon open={menuOpen} />
              Menu
            </button>
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto hidden max-w-7xl flex-wrap items-center gap-1 px-4 pb-2 sm:px-6 md:flex">
          {nav.map((g, gi) => (
            <div key={g.group} role="group" aria-label={g.group} className={`flex shrink-0 items-center gap-1 ${gi > 0 ? "ml-2 border-l border-slate-200 pl-3" : ""}`}>
              {g.items.map((n) => {
                const active = isActive(n, path, me);
                return (
                  <Link
                    key={n.href}
                    href={n.href}
                    aria-current={active ? "page" : undefined}
                    className={`whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
                  >
                    {n.label}
                  </Link>
                );
              })}
            </div>
          ))}
        </nav>
        {menuOpen && (
          <nav id="phone-menu" aria-label="Menu" className="border-t border-slate-200 px-4 pb-4 pt-2 md:hidden">
            {nav.map((g) => (
              <div key={g.group} role="group" aria-labelledby={`menu-group-${g.group}`} className="py-2">
                <p id={`menu-group-${g.group}`} className="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
                  {g.group}
                </p>
                <ul>
                  {g.items.map((n) => {
                    const active = isActive(n, path, me);
                    return (
                      <li key={n.href}>
                        <Link
                          href={n.href}
                          aria-current={active ? "page" : undefined}
                          onClick={() => setMenuOpen(false)}
                          className={`block rounded-md px-2 py-2 text-base font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"}`}
                        >
                          {n.label}
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </div>
            ))}
            <div className="mt-2 flex items-center justify-between gap-3 border-t border-slate-200 px-2 pt-3">
              <div className="min-w-0">
                <Link href={`/identities/${me.id}`} className="block truncate text-sm font-medium text-slate-900 hover:underline">
                  {me.displayName}
                </Link>
                <span className="block text-xs text-slate-500">{roles}</span>
              </div>
              <button type="button" onClick={() => signOut({ callbackUrl: "/signin" })} className="shrink-0 rounded-md border border-slate-300 px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                Sign out
              </button>
            </div>
          </nav>
        )}
      </header>
      <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-8 sm:px-6 print:max-w-none print:p-0">{children}</main>
      <footer className="print:hidden border-t border-slate-200 bg-white px-4 py-3 text-center text-xs text-slate-500">
        Warrant — every entitlement with its evidence. Times are shown in UTC.
      </footer>
    </div>
  );
}
