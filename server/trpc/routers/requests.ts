import { router, signedInProcedure } from "../init";
import { beneficiaryOptions, extensionPrefill, searchBeneficiaries, listMyRequests, requestById, requestableEntitlement } from "../../domain/requests/queries";
import { cancelRequest, editRequest, previewRequest, submitRequest } from "../../domain/requests/service";
import { ZCancelRequestInput, ZEditRequestInput, ZExtensionPrefillInput, ZListMyRequestsInput, ZPreviewRequestInput, ZRequestById, ZBeneficiarySearchInput, ZSubmitRequestInput } from "../../domain/requests/schema";

/** Access requests: submit (policy evaluated at once), follow, cancel and edit while pending. */
export const requestsRouter = router({
  mine: signedInProcedure.input(ZListMyRequestsInput).query(({ ctx, input }) => listMyRequests(ctx.svc, input)),
  byId: signedInProcedure.input(ZRequestById).query(({ ctx, input }) => requestById(ctx.svc, input.id)),
  /** Who the form offers: me, the non-human identities I own, my reports. */
  beneficiaryOptions: signedInProcedure.query(({ ctx }) => beneficiaryOptions(ctx.svc)),
  /** Colleagues in my department matching a name, to ask for on their behalf (the policy still decides). */
  searchBeneficiaries: signedInProcedure.input(ZBeneficiarySearchInput).query(({ ctx, input }) => searchBeneficiaries(ctx.svc, input)),
  entitlement: signedInProcedure.input(ZRequestById).query(({ ctx, input }) => requestableEntitlement(ctx.svc, input.id)),
  /** The form opened from an expiry warning: the grant to extend, its entitlement and beneficiary. */
  extension: signedInProcedure.input(ZExtensionPrefillInput).query(({ ctx, input }) => extensionPrefill(ctx.svc, input.grantId)),
  /** What the policy would say (nothing is written): maximum duration, stages and who would decide them. */
  preview: signedInProcedure.input(ZPreviewRequestInput).query(({ ctx, input }) => previewRequest(ctx.svc, input)),

  submit: signedInProcedure.input(ZSubmitRequestInput).mutation(({ ctx, input }) => submitRequest(ctx.svc, input)),
  cancel: signedInProcedure.input(ZCancelRequestInput).mutation(({ ctx, input }) => cancelRequest(ctx.svc, input)),
  edit: signedInProcedure.input(ZEditRequestInput).mutation(({ ctx, input }) => editRequest(ctx.svc, input)),
});
