-- The outbound SCIM 2.0 connector (server/connectors/scim.ts).
ALTER TYPE "ConnectorKind" ADD VALUE 'SCIM';
