import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/trpc/client";
import "./globals.css";

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
