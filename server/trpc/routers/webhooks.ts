import { router, roleProcedure } from "../init";
import { listWebhooks, webhookDetail } from "../../domain/webhooks/queries";
import { createWebhook, deleteWebhook, replayDeadLetter, replayWebhookFrom, rotateWebhookSecret, setWebhookEnabled, skipDeadLetter, updateWebhook } from "../../domain/webhooks/service";
import { ZCreateWebhookInput, ZDeadLetterInput, ZReplayWebhookInput, ZRotateWebhookSecretInput, ZSetWebhookEnabledInput, ZUpdateWebhookInput, ZWebhookIdInput } from "../../domain/webhooks/schema";

/** Read by the ledger's readers (admin, security, auditor); changed by admin and security. */
const reader = roleProcedure("ADMIN", "SECURITY", "AUDITOR");
const manager = roleProcedure("ADMIN", "SECURITY");

/** Outbound webhook subscriptions to the ledger (docs/events.md). */
export const webhooksRouter = router({
  // Every subscription with its cursor, lag and state.
  list: reader.query(({ ctx }) => listWebhooks(ctx.db, ctx.svc.actor)),
  // One subscription with its recent attempts and dead letters.
  byId: reader.input(ZWebhookIdInput).query(({ ctx, input }) => webhookDetail(ctx.db, ctx.svc.actor, input.id)),
  // Create; a generated secret comes back once in the answer.
  create: manager.input(ZCreateWebhookInput).mutation(({ ctx, input }) => createWebhook(ctx.svc, input)),
  // Edit name, URL, event types, format; the cursor stays.
  update: manager.input(ZUpdateWebhookInput).mutation(({ ctx, input }) => updateWebhook(ctx.svc, input)),
  // New signing secret (comes back once); the old one still signs until the overlap ends.
  rotateSecret: manager.input(ZRotateWebhookSecretInput).mutation(({ ctx, input }) => rotateWebhookSecret(ctx.svc, input)),
  // Archive: never delivered again; attempts and dead letters stay as evidence.
  delete: manager.input(ZWebhookIdInput).mutation(({ ctx, input }) => deleteWebhook(ctx.svc, input)),
  setEnabled: manager.input(ZSetWebhookEnabledInput).mutation(({ ctx, input }) => setWebhookEnabled(ctx.svc, input)),
  // Rewind (or move) the cursor: delivery restarts at fromSeq; resumes a paused subscription.
  replayFrom: manager.input(ZReplayWebhookInput).mutation(({ ctx, input }) => replayWebhookFrom(ctx.svc, input)),
  replayDeadLetter: manager.input(ZDeadLetterInput).mutation(({ ctx, input }) => replayDeadLetter(ctx.svc, input)),
  skipDeadLetter: manager.input(ZDeadLetterInput).mutation(({ ctx, input }) => skipDeadLetter(ctx.svc, input)),
});
