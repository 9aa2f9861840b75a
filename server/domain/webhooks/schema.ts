/**
 * Outbound webhook subscriptions to the ledger (server/domain/webhooks/service.ts): inputs, shared by the
 * router and the admin page. Pure: client components may import this file.
 */
import { z } from "zod";
import { parseSecretRef } from "../../connectors/secret-ref";
import { FEED_FORMATS, ZEventType, ZSeq } from "../events/schema";
// The receiver URL follows the webhook connector's rule (https://, or http:// only to this machine).
import { ZWebhookUrl } from "../catalog/schema";

const ZId = z.uuid({ message: "must be an id (UUID)" });

export const ZCreateWebhookInput = z
  .object({
    name: z.string().trim().min(1, { message: "is required" }).max(100),
    url: ZWebhookUrl,
    /** Empty = every event. */
    eventTypes: z.array(ZEventType).max(50).default([]),
    format: z.enum(FEED_FORMATS).default("warrant"),
    /** A connector secret reference; empty = Warrant generates a secret and shows it once. */
    secretRef: z
      .string()
      .trim()
      .max(200)
      .optional()
      .superRefine((v, ctx) => {
        if (!v) return;
        const res = parseSecretRef(v);
        if (!res.ok) ctx.addIssue({ code: "custom", message: res.message });
      }),
    /** Where delivery starts: "head" (only new events) or "start" (the whole ledger). */
    startAt: z.enum(["head", "start"]).default("head"),
  })
  .strict();
export type TCreateWebhookInput = z.input<typeof ZCreateWebhookInput>;

export const ZSetWebhookEnabledInput = z.object({ id: ZId, enabled: z.boolean() }).strict();
export const ZWebhookIdInput = z.object({ id: ZId }).strict();
/** Rewind (or move) the cursor: delivery starts again with the event at `fromSeq`. */
export const ZReplayWebhookInput = z.object({ id: ZId, fromSeq: ZSeq.refine((s) => s !== "0", { message: "must be at least 1" }) }).strict();
export const ZDeadLetterInput = z.object({ deadLetterId: ZId }).strict();

/** Where a subscription stands (server/domain/webhooks/queries.ts computes it). */
export type WebhookState = "delivering" | "caught up" | "retrying" | "paused" | "disabled";
/** A subscription as the admin pages show it: never its secret, only whether it is a reference or generated. */
export type WebhookView = {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  format: string;
  secret: string;
  enabled: boolean;
  state: WebhookState;
  cursorSeq: string;
  lag: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  openDeadLetters: number;
};
