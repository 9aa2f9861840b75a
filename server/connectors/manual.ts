/**
 * The manual connector: Warrant changes nothing itself. The task waits (AWAITING_CONFIRMATION) in the
 * owner's /tasks until the system owner, the entitlement owner or an admin confirms it with a note
 * (server/domain/provisioning/tasks.ts `confirmTask`).
 */
import type { Connector } from "./types";

export const manualConnector: Connector = {
  async grant() {
    return { awaitingConfirmation: true };
  },
  async revoke() {
    return { awaitingConfirmation: true };
  },
  async readAccess() {
    return { hasAccess: null, readBack: { note: "The manual connector cannot read the target system: the owner confirms each change." } };
  },
};
