import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { serverCaller } from "@/server/trpc/context";
import { env } from "@/server/env";
import { AppShell } from "@/components/shell/app-shell";

export const dynamic = "force-dynamic";

/** Every portal page: signed-in only (signed-out people see only sign-in), with navigation by role. */
export default async function PortalLayout({ children }: { children: ReactNode }) {
  const api = await serverCaller();
  const me = await api.me.current();
  if (!me) {
    const path = (await headers()).get("x-warrant-path");
    redirect(path && path !== "/" && path.startsWith("/") ? `/signin?callbackUrl=${encodeURIComponent(path)}` : "/signin");
  }
  return (
    <AppShell me={me} demo={env().demoLogin} unread={me.unreadNotifications}>
      {children}
    </AppShell>
  );
}
