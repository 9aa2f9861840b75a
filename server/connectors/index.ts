/** The connector for each connector kind of a system. */
import type { ConnectorKind } from "../db/generated/enums";
import { manualConnector } from "./manual";
import { postgresConnector } from "./postgres";
import { postgresLogins } from "./postgres-login";
import { scimConnector } from "./scim";
import type { Connector } from "./types";
import { warrantApiConnector } from "./warrant-api";
import { webhookConnector } from "./webhook";

export const CONNECTORS: Record<ConnectorKind, Connector> = {
  MANUAL: manualConnector,
  WEBHOOK: webhookConnector,
  // Role memberships, plus the credential logins an entitlement can issue instead (postgres-login.ts).
  POSTGRES: { ...postgresConnector, ...postgresLogins },
  SCIM: scimConnector,
  WARRANT_API: warrantApiConnector,
};

export function connectorFor(kind: ConnectorKind): Connector {
  return CONNECTORS[kind];
}

export type { Connector, ConnectorCtx, ConnectorResult, ListAccessCtx, Membership, Receipt } from "./types";
