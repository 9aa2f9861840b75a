/** Reads of a person's own notifications. Nobody reads anyone else's. */
import type { z } from "zod";
import type { ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import type { ZListNotificationsInput } from "./schema";

export type NotificationRow = { id: string; kind: string; title: string; body: string; link: string | null; readAt: Date | null; resolvedAt: Date | null; createdAt: Date; emailStatus: string };

/**
 * My notifications, newest first (or oldest with dir=asc); by default only open ones (not resolved by the
 * work they point to being done), optionally only unread ones; paged.
 */
export async function myNotifications(ctx: ServiceCtx, input: z.output<typeof ZListNotificationsInput>): Promise<Page<NotificationRow>> {
  const where = {
    recipientId: ctx.actor.id,
    ...(input.state === "open" ? { resolvedAt: null } : input.state === "done" ? { resolvedAt: { not: null } } : {}),
    ...(input.unread === true ? { readAt: null } : input.unread === false ? { readAt: { not: null } } : {}),
    ...(input.q ? { OR: [{ title: { contains: input.q, mode: "insensitive" as const } }, { body: { contains: input.q, mode: "insensitive" as const } }] } : {}),
  };
  const [rows, total] = await Promise.all([
    ctx.db.notification.findMany({
      where,
      orderBy: [{ createdAt: input.dir }, { id: input.dir }],
      ...skipTake(input),
      select: { id: true, kind: true, title: true, body: true, link: true, readAt: true, resolvedAt: true, createdAt: true, emailStatus: true },
    }),
    ctx.db.notification.count({ where }),
  ]);
  return { rows, total, page: input.page, size: input.size };
}

/** The bell's count: unread and still open (a notification whose work is done no longer calls for attention). */
export const unreadOpenWhere = (recipientId: string) => ({ recipientId, readAt: null, resolvedAt: null });

export async function unreadCount(ctx: ServiceCtx): Promise<number> {
  return ctx.db.notification.count({ where: unreadOpenWhere(ctx.actor.id) });
}
