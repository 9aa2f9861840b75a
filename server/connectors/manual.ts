/**
 * The manual connector: Warrant changes nothing itself. The task waits (AWAITING_CONFIRMATION) in the
 * owner's /tasks until the system owner, the entitlement owner or an admin confirms it with a note
 * (server/domain/provisioning/tasks.ts `confirmTask`).
 *
 * Discovery: it cannot read the target either, so reconciliation takes an access export the owner uploads
 * (server/connectors/access-export.ts: CSV `account,entitlement`, accounts are emails).
 */
import { AccessExportInvalid, parseAccessExport } from "./access-export";
import { ConnectorError, type Connector } from "./types";

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
  async *listAccess(ctx) {
    if (ctx.upload === undefined) throw new ConnectorError("A manual system is reconciled from an uploaded access export (CSV account,entitlement).", { permanent: true });
    const parsed = parseAccessExport(ctx.upload, new Set(ctx.managedRefs));
    if (!parsed.ok) throw new AccessExportInvalid(parsed.errors);
    let prev = "";
    for (const r of parsed.rows) {
      const key = `${r.account}\t${r.externalRef}`;
      if (key === prev) continue;
      prev = key;
      yield { account: r.account, externalRef: r.externalRef };
    }
  },
};
