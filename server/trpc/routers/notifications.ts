import { router, signedInProcedure } from "../init";
import { myNotifications, unreadCount } from "../../domain/notifications/queries";
import { markRead } from "../../domain/notifications/service";
import { ZListNotificationsInput, ZMarkReadInput } from "../../domain/notifications/schema";

/** The signed-in person's own notifications. */
export const notificationsRouter = router({
  list: signedInProcedure.input(ZListNotificationsInput).query(({ ctx, input }) => myNotifications(ctx.svc, input)),
  unreadCount: signedInProcedure.query(({ ctx }) => unreadCount(ctx.svc)),
  /** Marking one's own notifications read changes no access: auditors may do it too. */
  markRead: signedInProcedure.meta({ auditorMayCall: true }).input(ZMarkReadInput).mutation(({ ctx, input }) => markRead(ctx.svc, input)),
});
