/**
 * The mover review: when a person changes manager or department (identities/lifecycle.ts), a small access
 * review of their grants for the new manager. Called inside the mover's transaction.
 */
import type { Tx } from "../../db";

export type MoverReviewInput = {
  identityId: string;
  displayName: string;
  newManagerId: string | null;
  actorId: string;
  now: Date;
  move: { from: { managerId: string | null; department: string | null }; to: { managerId: string | null; department: string | null } };
};

/** Opens the review and returns its campaign, or null when there is nothing to review. Not built yet: always null. */
export async function openMoverReview(_tx: Tx, _input: MoverReviewInput): Promise<{ campaignId: string } | null> {
  return null;
}
