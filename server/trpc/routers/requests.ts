import { router, signedInProcedure } from "../init";
import { beneficiaryOptions, extensionPrefill, listMyRequests, requestById, requestableEntitlement } from "../../domain/requests/queries";
import { cancelRequest, editRequest, previewRequest, submitRequest } from "../../domain/requests/service";
import { ZCancelRequestInput, ZEditRequestInput, ZExtensionPrefillInput, ZListMyRequestsInput, ZPreviewRequestInput, ZRequestById, ZSubmitRequestInput } from "../../domain/requests/schema";

/** Access requests: submit (policy evaluated at once), follow, cancel and edit while pending. */
export const requestsRouter = router({
  mine: signedInProcedure.input(ZListMyRequestsInput).query(({ ctx, input }) => listMyRequests(ctx.svc, input)),
  byId: signedInProcedure.input(ZRequestById).query(({ ctx, input }) => requestById(ctx.svc, input.id)),
  beneficiaryOptions: signedInProcedure.query(({ ctx }) => beneficiaryOptions(ctx.svc)),
  entitlement: signedInProcedure.input(ZRequestById).query(({ ctx, input }) => requestableEntitlement(ctx.svc, input.id)),
  /** The form opened from an expiry warning: the grant to extend, its entitlement and beneficiary. */
  extension: signedInProcedure.input(ZExtensionPrefillInput).query(({ ctx, input }) => extensionPrefill(ctx.svc, input.grantId)),
  /** What the policy would say (nothing is written): maximum duration, stages and who would decide them. */
  preview: signedInProcedure.input(ZPreviewRequestInput).query(({ ctx, input }) => previewRequest(ctx.svc, input)),

  submit: signedInProcedure.input(ZSubmitRequestInput).mutation(({ ctx, input }) => submitRequest(ctx.svc, input)),
  cancel: signedInProcedure.input(ZCancelRequestInput).mutation(({ ctx, input }) => cancelRequest(ctx.svc, input)),
  edit: signedInProcedure.input(ZEditRequestInput).mutation(({ ctx, input }) => editRequest(ctx.svc, input)),
});
