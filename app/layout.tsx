import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/trpc/client";
import "./globals.css";

/**
 * Every page is rendered per request: the Content-Security-Policy's nonce is fresh per request (proxy.ts) and
 * Next.js can only put it on the scripts of a page it renders then. A page prerendered at build time would
 * carry no nonce, and the browser would refuse its scripts (it would never hydrate).
 */
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: { default: "Warrant", template: "%s · Warrant" }, description: "Access governance with evidence" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
