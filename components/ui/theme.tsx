"use client";
/**
 * Light and dark mode (next-themes, class strategy: `<html class="dark">`, matched by the `dark:` variant and the
 * dark colour tokens in app/globals.css). Unset, the portal follows the system setting; the header's toggle
 * stores an explicit choice, and choosing what the system already shows stores "system" again, so the portal
 * goes back to following it.
 *
 * next-themes sets the class before the first paint with a small inline script: it carries the request's CSP
 * nonce (app/layout.tsx reads it from the `x-nonce` header proxy.ts sets), or the browser refuses it.
 */
import { ThemeProvider as NextThemesProvider, useTheme } from "next-themes";
import { useSyncExternalStore, type ReactNode } from "react";

/** The localStorage key of the stored choice ("light", "dark" or "system"). Browser tests read it. */
export const THEME_STORAGE_KEY = "warrant-theme";

export function ThemeProvider({ nonce, children }: { nonce?: string; children: ReactNode }) {
  return (
    <NextThemesProvider attribute="class" defaultTheme="system" enableSystem storageKey={THEME_STORAGE_KEY} nonce={nonce}>
      {children}
    </NextThemesProvider>
  );
}

const noop = () => () => {};
/** False while rendering on the server and hydrating, true after: the theme is only known in the browser. */
function useMounted() {
  return useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
}

function SunIcon() {
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="h-5 w-5">
      <path d="M10 3a1 1 0 0 1 1 1v1a1 1 0 1 1-2 0V4a1 1 0 0 1 1-1Zm0 11a1 1 0 0 1 1 1v1a1 1 0 1 1-2 0v-1a1 1 0 0 1 1-1Zm7-4a1 1 0 0 1-1 1h-1a1 1 0 1 1 0-2h1a1 1 0 0 1 1 1ZM6 10a1 1 0 0 1-1 1H4a1 1 0 1 1 0-2h1a1 1 0 0 1 1 1Zm8.95-4.95a1 1 0 0 1 0 1.41l-.7.71a1 1 0 1 1-1.42-1.42l.71-.7a1 1 0 0 1 1.41 0ZM7.17 12.83a1 1 0 0 1 0 1.41l-.71.71a1 1 0 0 1-1.41-1.41l.7-.71a1 1 0 0 1 1.42 0Zm7.78 2.12a1 1 0 0 1-1.41 0l-.71-.7a1 1 0 1 1 1.42-1.42l.7.71a1 1 0 0 1 0 1.41ZM7.17 7.17a1 1 0 0 1-1.42 0l-.7-.71a1 1 0 0 1 1.41-1.41l.71.7a1 1 0 0 1 0 1.42ZM10 7a3 3 0 1 1 0 6 3 3 0 0 1 0-6Z" />
    </svg>
  );
}

function MoonIcon() {
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="h-5 w-5">
      <path d="M8.6 2.2a.75.75 0 0 1 .17.8 6 6 0 0 0 8.23 7.6.75.75 0 0 1 1 .95A8 8 0 1 1 7.64 2.04a.75.75 0 0 1 .96.16Z" />
    </svg>
  );
}

/** The header's dark-mode switch. */
export function ThemeToggle({ className = "" }: { className?: string }) {
  const { resolvedTheme, systemTheme, setTheme } = useTheme();
  const mounted = useMounted();
  const dark = mounted && resolvedTheme === "dark";
  const toggle = () => {
    const next = dark ? "light" : "dark";
    setTheme(next === systemTheme ? "system" : next);
  };
  return (
    <button
      type="button"
      role="switch"
      aria-checked={dark}
      aria-label="Dark mode"
      title={dark ? "Switch to light mode" : "Switch to dark mode"}
      onClick={toggle}
      disabled={!mounted}
      data-testid="theme-toggle"
      className={`rounded-md px-2 py-1.5 text-slate-600 hover:bg-slate-100 hover:text-slate-900 ${className}`}
    >
      {dark ? <MoonIcon /> : <SunIcon />}
    </button>
  );
}
