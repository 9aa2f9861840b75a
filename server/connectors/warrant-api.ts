/**
 * The connector of the built-in "Warrant API" system (server/domain/api-clients/scopes.ts). Its entitlements
 * are API scopes, and the grant itself is what the REST edge reads on every call: there is no external target
 * to change, so a grant or revocation is confirmed at once, with a receipt saying so. Nothing to discover:
 * Warrant's own grants are the target, so reconciliation has nothing to compare (the system is never
 * scheduled: reconcileEveryHours = 0).
 */
import type { Connector, ConnectorCtx, Receipt } from "./types";

function receipt(ctx: ConnectorCtx, action: "GRANT" | "REVOKE"): Receipt {
  return {
    connector: "WARRANT_API",
    action,
    target: `warrant-api scope ${ctx.entitlement.externalRef ?? ctx.entitlement.name} → ${ctx.identity.displayName}`,
    performedAt: new Date().toISOString(),
    readBack: {
      scope: ctx.entitlement.externalRef,
      holds: action === "GRANT",
      note: "An API scope is the grant itself: the REST edge reads the client's active grants on every call.",
    },
    confirmed: true,
  };
}

export const warrantApiConnector: Connector = {
  async grant(ctx) {
    return receipt(ctx, "GRANT");
  },
  async revoke(ctx) {
    return receipt(ctx, "REVOKE");
  },
  async readAccess() {
    return { hasAccess: null, readBack: { note: "Warrant's own grants are the record of an API scope." } };
  },
};
