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

/**
 * Edit a subscription: any of name, URL (the same rule as on creation), event types, format; at least one.
 * The cursor stays where it is: the changed subscription goes on from the next undelivered seq.
 */
export const ZUpdateWebhookInput = z
  .object({
    id: ZId,
    name: z.string().trim().min(1, { message: "is required" }).max(100).optional(),
    url: ZWebhookUrl.optional(),
    /** Empty = every event. */
    eventTypes: z.array(ZEventType).max(50).optional(),
    format: z.enum(FEED_FORMATS).optional(),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.url !== undefined || v.eventTypes !== undefined || v.format !== undefined, { message: "Change at least one of name, url, eventTypes, format." });
export type TUpdateWebhookInput = z.input<typeof ZUpdateWebhookInput>;

/** Default rotation overlap: a day for the receiver to take the new secret. */
export const DEFAULT_SECRET_OVERLAP_HOURS = 24;
export const MAX_SECRET_OVERLAP_HOURS = 7 * 24;
/**
 * Rotate the signing secret: a new one is generated (shown once); the old one still signs, next to it, for
 * `overlapHours` (0 = stop at once, e.g. when the old one leaked).
 */
export const ZRotateWebhookSecretInput = z
  .object({
    id: ZId,
    overlapHours: z
      .number({ message: "overlapHours must be a number of hours." })
      .int("overlapHours must be a whole number of hours.")
      .min(0, "overlapHours cannot be negative.")
      .max(MAX_SECRET_OVERLAP_HOURS, `The overlap is at most ${MAX_SECRET_OVERLAP_HOURS} hours (7 days).`)
      .default(DEFAULT_SECRET_OVERLAP_HOURS),
  })
  .strict();
export type TRotateWebhookSecretInput = z.input<typeof ZRotateWebhookSecretInput>;

export const ZSetWebhookEnabledInput = z.object({ id: ZId, enabled: z.boolean() }).strict();
export const ZWebhookIdInput = z.object({ id: ZId }).strict();
/** Rewind (or move) the cursor: delivery starts again with the event at `fromSeq`. */
export const ZReplayWebhookInput = z.object({ id: ZId, fromSeq: ZSeq.refine((s) => s !== "0", { message: "must be at least 1" }) }).strict();
export const ZDeadLetterInput = z.object({ deadLetterId: ZId }).strict();

/** Where a subscription stands (server/domain/webhooks/queries.ts computes it). */
export type WebhookState = "delivering" | "caught up" | "retrying" | "paused" | "disabled" | "deleted";
/** A subscription as the admin pages show it: never its secret, only whether it is a reference or generated. */
export type WebhookView = {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  format: string;
  secret: string;
  /** While a rotation's overlap runs: when the previous secret stops signing (null otherwise). */
  previousSecretUntil: Date | null;
  secretRotatedAt: Date | null;
  enabled: boolean;
  deletedAt: Date | null;
  state: WebhookState;
  cursorSeq: string;
  lag: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  openDeadLetters: number;
};
