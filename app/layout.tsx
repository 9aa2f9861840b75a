import type { Metadata } from "next";
import type { ReactNode } from "react";
import { headers } from "next/headers";
import { Providers } from "@/components/trpc/client";
import { ThemeProvider } from "@/components/ui/theme";
import "./globals.css";

/**
 * Every page is rendered per request: the Content-Security-Policy's nonce is fresh per request (proxy.ts) and
 * Next.js can only put it on the scripts of a page it renders then. A page prerendered at build time would
 * carry no nonce, and the browser would refuse its scripts (it would never hydrate).
 */
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: { default: "Warrant", template: "%s · Warrant" }, description: "Access governance with evidence" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The theme's first-paint script is inline: it needs this request's nonce (proxy.ts) to run.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // next-themes sets the class and color-scheme on <html> before React hydrates: expected, not a mismatch.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen font-sans">
        <ThemeProvider nonce={nonce}>
          <Providers>{children}</Providers>
        </ThemeProvider>
      </body>
    </html>
  );
}
