/**
 * Outbound webhook subscriptions to the ledger (server/domain/webhooks/service.ts): inputs, shared by the
 * router and the admin page. Pure: client components may import this file.
 */
import { z } from "zod";
import { parseSecretRef } from "../../connectors/secret-ref";
import { FEED_FORMATS, ZEventType, ZSeq } from "../events/schema";

/**
 * The webhook connector's URL rule (server/domain/catalog/schema.ts ZWebhookConfig): https:// without
 * credentials; plain http:// only to this machine (127.0.0.1 or localhost), for development and tests.
 */
export const ZWebhookUrl = z
  .url({ message: "is required: an https:// URL" })
  .max(500)
  .refine(
    (u) => {
      try {
        const p = new URL(u);
        if (p.username || p.password) return false;
        if (p.protocol === "https:") return true;
        return p.protocol === "http:" && (p.hostname === "127.0.0.1" || p.hostname === "localhost");
      } catch {
        return false;
      }
    },
    { message: "must be an https:// URL without credentials (plain http:// is allowed only for 127.0.0.1 or localhost)" },
  );

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
