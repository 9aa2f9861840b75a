-- The home page of a manager or an owner (issue 13; server/domain/home/scope.ts). Their charts now find
-- requests by `"requesterId" = me OR "beneficiaryId" = ANY(people) OR "entitlementId" = ANY(owned)`, a bitmap
-- OR of three indexes; the entitlement had none, so the database read every request in the chart's window
-- (0.4–0.7 s per view at 500,000 requests). With it: under 2 ms.
-- CreateIndex
CREATE INDEX "AccessRequest_entitlementId_idx" ON "AccessRequest"("entitlementId");
