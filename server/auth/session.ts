import { getServerSession } from "next-auth";
import { authOptions } from "./options";

/** The identity id of the signed-in person for this request (server components, route handlers), or null. */
export async function getSessionIdentityId(): Promise<string | null> {
  const session = (await getServerSession(authOptions())) as { identityId?: string | null } | null;
  return session?.identityId ?? null;
}
