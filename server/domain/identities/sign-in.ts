import type { Tx } from "../../db";
import { isDemoAccountEmail } from "./demo-accounts";

/** The active human identity with this email (case-insensitive), or null. Sign-in matches people this way. */
export async function identityForSignIn(db: Tx, email: string) {
  return db.identity.findFirst({
    where: { email: { equals: email.trim(), mode: "insensitive" }, kind: "HUMAN", status: "ACTIVE" },
    select: { id: true, email: true, displayName: true },
  });
}

/**
 * The demo sign-in (no password): the identity of one of the demo accounts (DEMO_ACCOUNTS), if it exists and
 * is active. Any other email is refused (null), however active the person: the demo sign-in is not a way
 * to become an arbitrary person. The caller checks that demo sign-in is on at all.
 */
export async function identityForDemoSignIn(db: Tx, email: string) {
  if (!isDemoAccountEmail(email)) return null;
  return identityForSignIn(db, email);
}
