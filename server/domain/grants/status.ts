import type { GrantStatus } from "../../db/generated/client";

/**
 * Grant statuses in which the access is still in effect in the target system: active, being revoked, or a
 * revocation that failed (the access is still there until a retry is confirmed). "Holders" and "access
 * held" counts everywhere use this one definition.
 */
export const GRANT_IN_EFFECT: GrantStatus[] = ["ACTIVE", "PENDING_REVOKE", "REVOKE_FAILED"];
