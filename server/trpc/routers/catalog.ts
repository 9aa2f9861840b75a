import { roleProcedure, router, signedInProcedure } from "../init";
import { catalogFacets, entitlementById, listEntitlements, listSystems, ownerOptions, systemById } from "../../domain/catalog/queries";
import { createEntitlement, createSystem, updateEntitlement, updateSystem } from "../../domain/catalog/service";
import {
  ZById,
  ZCreateEntitlementInput,
  ZCreateSystemInput,
  ZEntitlementByIdInput,
  ZListEntitlementsInput,
  ZListSystemsInput,
  ZOwnerOptionsInput,
  ZUpdateEntitlementInput,
  ZUpdateSystemInput,
} from "../../domain/catalog/schema";

const adminProcedure = roleProcedure("ADMIN");

/** The catalog of systems and entitlements: browsing for everyone signed in, changes for admins. */
export const catalogRouter = router({
  listSystems: signedInProcedure.input(ZListSystemsInput).query(({ ctx, input }) => listSystems(ctx.svc, input)),
  systemById: signedInProcedure.input(ZById).query(({ ctx, input }) => systemById(ctx.svc, input.id)),
  listEntitlements: signedInProcedure.input(ZListEntitlementsInput).query(({ ctx, input }) => listEntitlements(ctx.svc, input)),
  entitlementById: signedInProcedure.input(ZEntitlementByIdInput).query(({ ctx, input }) => entitlementById(ctx.svc, input)),
  facets: signedInProcedure.query(({ ctx }) => catalogFacets(ctx.svc)),
  /** People who may own a system or entitlement (the admin forms' owner picker). */
  ownerOptions: adminProcedure.input(ZOwnerOptionsInput).query(({ ctx, input }) => ownerOptions(ctx.svc, input)),

  createSystem: adminProcedure.input(ZCreateSystemInput).mutation(({ ctx, input }) => createSystem(ctx.svc, input)),
  updateSystem: adminProcedure.input(ZUpdateSystemInput).mutation(({ ctx, input }) => updateSystem(ctx.svc, input)),
  createEntitlement: adminProcedure.input(ZCreateEntitlementInput).mutation(({ ctx, input }) => createEntitlement(ctx.svc, input)),
  updateEntitlement: adminProcedure.input(ZUpdateEntitlementInput).mutation(({ ctx, input }) => updateEntitlement(ctx.svc, input)),
});
