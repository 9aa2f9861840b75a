import { roleProcedure, router } from "../init";
import { currentPolicyView, diffPolicyVersions, listPolicyVersions, policyVersionById, sampleOptions, tryPolicy, validatePolicy } from "../../domain/policy/queries";
import { savePolicyVersion } from "../../domain/policy/service";
import { ZDiffPolicyVersions, ZPolicyVersionById, ZSampleOptions, ZSavePolicyVersion, ZTryPolicy, ZValidatePolicy } from "../../domain/policy/schema";

const readerProcedure = roleProcedure("ADMIN", "SECURITY", "AUDITOR");

/**
 * The approval policy: admins, security and auditors read it, validate drafts and try them against a
 * sample request; only admins save a new version. `validate` and `try` are mutations only so a long
 * policy text travels in the request body rather than the URL: they change nothing, so auditors may call them.
 */
export const policyRouter = router({
  current: readerProcedure.query(({ ctx }) => currentPolicyView(ctx.svc)),
  versions: readerProcedure.query(({ ctx }) => listPolicyVersions(ctx.svc)),
  byId: readerProcedure.input(ZPolicyVersionById).query(({ ctx, input }) => policyVersionById(ctx.svc, input.id)),
  diff: readerProcedure.input(ZDiffPolicyVersions).query(({ ctx, input }) => diffPolicyVersions(ctx.svc, input)),
  sampleOptions: readerProcedure.input(ZSampleOptions).query(({ ctx, input }) => sampleOptions(ctx.svc, input)),
  validate: readerProcedure
    .meta({ auditorMayCall: true })
    .input(ZValidatePolicy)
    .mutation(({ ctx, input }) => validatePolicy(ctx.svc, input)),
  try: readerProcedure
    .meta({ auditorMayCall: true })
    .input(ZTryPolicy)
    .mutation(({ ctx, input }) => tryPolicy(ctx.svc, input)),
  save: roleProcedure("ADMIN").input(ZSavePolicyVersion).mutation(({ ctx, input }) => savePolicyVersion(ctx.svc, input)),
});
