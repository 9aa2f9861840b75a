import { cache } from "react";
import { getServerSession } from "next-auth";
import { authOptions } from "./options";

/**
 * The identity id of the signed-in person for this request (server components, route handlers), or null.
 * Reading the session resolves its Session row (server/auth/options.ts jwt callback), so a signed-out,
 * expired or deprovisioned session is null here at once. Memoised per server render (React `cache`): a page's
 * layout and the page itself resolve the session once; outside a render (route handlers) it simply runs.
 */
export const getSessionIdentityId = cache(async (): Promise<string | null> => {
  const session = (await getServerSession(authOptions())) as { identityId?: string | null } | null;
  return session?.identityId ?? null;
});
