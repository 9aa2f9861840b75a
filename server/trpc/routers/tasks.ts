import { router, signedInProcedure } from "../init";
import { breakGlassReviewsDue, listTasks } from "../../domain/provisioning/queries";
import { confirmTask, retryTask } from "../../domain/provisioning/service";
import { ZConfirmTaskInput, ZListTasksInput, ZRetryTaskInput } from "../../domain/provisioning/schema";

/** Provisioning tasks: owners confirm manual ones and retry failed ones; security sees break-glass reviews due. */
export const tasksRouter = router({
  list: signedInProcedure.input(ZListTasksInput).query(({ ctx, input }) => listTasks(ctx.svc, input)),
  breakGlassReviews: signedInProcedure.query(({ ctx }) => breakGlassReviewsDue(ctx.svc)),
  confirm: signedInProcedure.input(ZConfirmTaskInput).mutation(({ ctx, input }) => confirmTask(ctx.svc, input)),
  retry: signedInProcedure.input(ZRetryTaskInput).mutation(({ ctx, input }) => retryTask(ctx.svc, input)),
});
