/** Inputs of the notifications area (shared with the browser). */
import { z } from "zod";
import { ZListBase } from "../list";

export const NOTIFICATION_SORTS = ["createdAt"] as const;
export const NOTIFICATION_STATES = ["open", "done", "all"] as const;
export const ZListNotificationsInput = ZListBase.extend({
  dir: z.enum(["asc", "desc"]).default("desc"),
  unread: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).optional(),
  /** open (default): still to act on or plain news; done: the work it pointed to was done; all. */
  state: z.enum(NOTIFICATION_STATES).default("open"),
  sort: z.enum(NOTIFICATION_SORTS).optional(),
}).strict();
export type TListNotificationsInput = z.input<typeof ZListNotificationsInput>;

export const ZMarkReadInput = z.union([
  z.object({ ids: z.array(z.uuid({ message: "must be an id (UUID)" })).min(1, { message: "name at least one notification" }).max(200) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export type TMarkReadInput = z.input<typeof ZMarkReadInput>;
