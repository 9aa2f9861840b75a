"use client";
/** The browser's tRPC client (types only from the server) and the React Query provider. */
import { useEffect, useState, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/trpc/root";
import { CLIENT_MAX_URL_LENGTH, MAX_BATCH_CALLS } from "@/server/http/limits";
import { Toaster } from "@/components/ui/toast";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: false } } }));
  // Batches split by the server's limits (server/http/limits.ts), so a busy page is never refused for its size.
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "/api/trpc", transformer: superjson, maxItems: MAX_BATCH_CALLS, maxURLLength: CLIENT_MAX_URL_LENGTH })] }),
  );
  // The page says when it has hydrated (the root's effects run after every child's): a click or a keystroke on
  // server-rendered HTML before then does nothing or is lost, so browser tests wait for this, not for luck.
  useEffect(() => document.documentElement.setAttribute("data-hydrated", "true"), []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
        {/* Actions answer with a toast (components/ui/toast.ts). */}
        <Toaster theme="system" richColors closeButton position="top-right" containerAriaLabel="Messages" />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
