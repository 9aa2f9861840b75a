import { roleProcedure, router, signedInProcedure } from "../init";
import { identityById, identityFacets, listIdentities, nhiSystemOptions } from "../../domain/identities/queries";
import { createNhi, updateNhi } from "../../domain/identities/service";
import { ZCreateNhi, ZIdentityId, ZListIdentities, ZUpdateNhi } from "../../domain/identities/schema";

export const identitiesRouter = router({
  /** The directory (people and non-human identities): paged, filtered, searched, sorted. Every employee. */
  list: signedInProcedure.input(ZListIdentities).query(({ ctx, input }) => listIdentities(ctx.svc, input)),
  /** Filter options for the directory. Every employee. */
  facets: signedInProcedure.query(({ ctx }) => identityFacets(ctx.svc)),
  /** One identity's page; credential metadata only for admins, security, auditors and the owner. */
  byId: signedInProcedure.input(ZIdentityId).query(({ ctx, input }) => identityById(ctx.svc, input)),
  /** Systems to pick from in the non-human identity form. */
  systemOptions: roleProcedure("ADMIN").query(({ ctx }) => nhiSystemOptions(ctx.svc)),
  /** Creates a non-human identity (ADMIN), or registers an API client with its first scope requests (its owner, any person). */
  createNhi: signedInProcedure.input(ZCreateNhi).mutation(({ ctx, input }) => createNhi(ctx.svc, input)),
  /** Edits a non-human identity with optimistic concurrency (ADMIN). */
  updateNhi: roleProcedure("ADMIN").input(ZUpdateNhi).mutation(({ ctx, input }) => updateNhi(ctx.svc, input)),
});
