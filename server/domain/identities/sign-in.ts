import type { Tx } from "../../db";

/** The active human identity with this email (case-insensitive), or null. Sign-in matches people this way. */
export async function identityForSignIn(db: Tx, email: string) {
  return db.identity.findFirst({
    where: { email: { equals: email.trim(), mode: "insensitive" }, kind: "HUMAN", status: "ACTIVE" },
    select: { id: true, email: true, displayName: true },
  });
}
