/** Reads of a person's own notifications. Nobody reads anyone else's. */
import type { z } from "zod";
import type { ServiceCtx } from "../actor";
import { skipTake, type Page } from "../list";
import type { ZListNotificationsInput } from "./schema";

export type NotificationRow = { id: string; kind: string; title: string; body: string; link: string | null; readAt: Date | null; createdAt: Date; emailStatus: string };

/** My notifications, newest first (or oldest with dir=asc), optionally only unread ones; paged. */
export async function myNotifications(ctx: ServiceCtx, input: z.output<typeof ZListNotificationsInput>): Promise<Page<NotificationRow>> {
  const where = {
    recipientId: ctx.actor.id,
    ...(input.unread === true ? { readAt: null } : input.unread === false ? { readAt: { not: null } } : {}),
    ...(input.q ? { OR: [{ title: { contains: input.q, mode: "insensitive" as const } }, { body: { contains: input.q, mode: "insensitive" as const } }] } : {}),
  };
  const [rows, total] = await Promise.all([
    ctx.db.notification.findMany({
      where,
      orderBy: [{ createdAt: input.dir }, { id: input.dir }],
      ...skipTake(input),
      select: { id: true, kind: true, title: true, body: true, link: true, readAt: true, createdAt: true, emailStatus: true },
    }),
    ctx.db.notification.count({ where }),
  ]);
  return { rows, total, page: input.page, size: input.size };
}

export async function unreadCount(ctx: ServiceCtx): Promise<number> {
  return ctx.db.notification.count({ where: { recipientId: ctx.actor.id, readAt: null } });
}
