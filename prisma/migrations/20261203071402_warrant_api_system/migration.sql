-- The built-in "Warrant API" system (server/domain/api-clients/scopes.ts): its entitlements are the REST API's
-- scopes, granted to API clients through ordinary access requests. Inserted here for databases that already have
-- an administrator (its owner: the first active admin); a fresh database gets it from the seed or, lazily, from
-- ensureWarrantApiSystem (server/domain/api-clients/system.ts), which applies the same rows. Idempotent.
INSERT INTO "System" ("id", "name", "description", "ownerId", "criticality", "connector", "connectorConfig", "reconcileEveryHours", "createdAt", "updatedAt")
SELECT '5a7e0000-0000-4000-8000-00000000a9e1'::uuid, 'Warrant API',
       'Warrant''s own REST API (/api/v1). Each entitlement is an API scope an API client may hold; a grant takes effect at once and ends at its expiry or revocation.',
       a."id", 'HIGH', 'WARRANT_API', '{}'::jsonb, 0, now(), now()
FROM (SELECT i."id" FROM "Identity" i JOIN "RoleAssignment" r ON r."identityId" = i."id" AND r."role" = 'ADMIN'
      WHERE i."kind" = 'HUMAN' AND i."status" = 'ACTIVE' ORDER BY i."createdAt", i."id" LIMIT 1) a
ON CONFLICT DO NOTHING;

INSERT INTO "Entitlement" ("id", "systemId", "name", "description", "risk", "privileged", "requestable", "maxDurationDays", "externalRef", "createdAt", "updatedAt")
SELECT gen_random_uuid(), s."id", v.scope, v.description, v.risk::"RiskLevel", v.privileged, true, v.max_days, v.scope, now(), now()
FROM "System" s, (VALUES
  ('catalog:read', 'Read the catalog: systems and entitlements.', 'LOW', false, 90),
  ('identities:read', 'Read identities the owner may see.', 'LOW', false, 90),
  ('grants:read', 'Read grants the owner may see.', 'LOW', false, 90),
  ('requests:read', 'Read the client''s own requests and their status.', 'LOW', false, 90),
  ('requests:write', 'Submit and cancel access requests for the client itself.', 'LOW', false, 90),
  ('requests:on-behalf', 'Submit access requests on behalf of a person the client acts for (policy decides; a human approves).', 'HIGH', true, 30),
  ('approvals:decide', 'Read the owner''s approval inbox and decide as the owner.', 'HIGH', true, 30),
  ('campaigns:decide', 'Read campaigns and decide review items as the owner.', 'HIGH', true, 30),
  ('findings:read', 'Read findings the owner may see.', 'LOW', false, 90),
  ('events:read', 'Read the ledger''s event feed (the owner must be allowed to read the ledger).', 'HIGH', true, 30),
  ('evidence:export', 'Start and download evidence exports (the owner must be allowed to).', 'HIGH', true, 30)
) AS v(scope, description, risk, privileged, max_days)
WHERE s."id" = '5a7e0000-0000-4000-8000-00000000a9e1'::uuid
ON CONFLICT DO NOTHING;
