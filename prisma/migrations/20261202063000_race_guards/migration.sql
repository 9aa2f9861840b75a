-- "At most one" rules the services serialise with advisory locks (server/domain/locks.ts), stated to the
-- database as well, so no code path (a new service, a script, a race nobody thought of) can break them.
-- Hand-written: Prisma's schema language has no partial unique index; later diffs ignore these.
--
-- An installation that already holds duplicates (from before these rules were serialised) cannot get the
-- index: the migration stops with a message naming what to resolve in the portal first.

DO $$
DECLARE n integer;
BEGIN
  SELECT count(*) INTO n FROM (
    SELECT 1 FROM "AccessRequest" WHERE "status" = 'PENDING' GROUP BY "beneficiaryId", "entitlementId" HAVING count(*) > 1
  ) d;
  IF n > 0 THEN
    RAISE EXCEPTION 'Warrant migration race_guards: % identity/entitlement pair(s) have more than one PENDING access request. Cancel the extra requests in the portal (Requests), then run the migration again.', n;
  END IF;
  SELECT count(*) INTO n FROM (
    SELECT 1 FROM "Grant" WHERE "origin" = 'BREAK_GLASS' AND "status" IN ('PENDING_PROVISION', 'ACTIVE')
    GROUP BY "identityId", "entitlementId" HAVING count(*) > 1
  ) d;
  IF n > 0 THEN
    RAISE EXCEPTION 'Warrant migration race_guards: % identity/entitlement pair(s) hold more than one break-glass grant in effect. Revoke the extra grants in the portal, then run the migration again.', n;
  END IF;
END $$;

-- One open request per beneficiary and entitlement (an extension is a new request, so it counts too).
CREATE UNIQUE INDEX "AccessRequest_one_pending" ON "AccessRequest" ("beneficiaryId", "entitlementId") WHERE "status" = 'PENDING';

-- One break-glass grant being provisioned or in force per beneficiary and entitlement.
CREATE UNIQUE INDEX "Grant_one_emergency_in_effect" ON "Grant" ("identityId", "entitlementId") WHERE "origin" = 'BREAK_GLASS' AND "status" IN ('PENDING_PROVISION', 'ACTIVE');

