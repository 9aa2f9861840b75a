import { signedInProcedure, router } from "../init";
import { systemReconciliation } from "../../domain/reconciliation/queries";
import { acceptFinding, adoptFinding, reconcileNow, reprovisionFinding, revokeFinding } from "../../domain/reconciliation/service";
import {
  ZAcceptFindingInput,
  ZAdoptFindingInput,
  ZReconcileNowInput,
  ZReprovisionFindingInput,
  ZRevokeFindingInput,
  ZSystemReconciliationInput,
} from "../../domain/reconciliation/schema";

/**
 * Reconciliation of a system with its target: read by its owner, admins, security and auditors; run by its
 * owner or an admin; findings acted on by its owner, admins and security (the services check the system).
 */
export const reconciliationRouter = router({
  forSystem: signedInProcedure.input(ZSystemReconciliationInput).query(({ ctx, input }) => systemReconciliation(ctx.svc, input)),
  reconcileNow: signedInProcedure.input(ZReconcileNowInput).mutation(({ ctx, input }) => reconcileNow(ctx.svc, input)),
  adopt: signedInProcedure.input(ZAdoptFindingInput).mutation(({ ctx, input }) => adoptFinding(ctx.svc, input)),
  revoke: signedInProcedure.input(ZRevokeFindingInput).mutation(({ ctx, input }) => revokeFinding(ctx.svc, input)),
  reprovision: signedInProcedure.input(ZReprovisionFindingInput).mutation(({ ctx, input }) => reprovisionFinding(ctx.svc, input)),
  accept: signedInProcedure.input(ZAcceptFindingInput).mutation(({ ctx, input }) => acceptFinding(ctx.svc, input)),
});
