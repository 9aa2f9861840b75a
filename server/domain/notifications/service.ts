/**
 * Marking one's own notifications read. Only the recipient; ids of other people's notifications are
 * ignored (not an error, and nothing about them is revealed). Reading is not evidence: no ledger event.
 */
import type { z } from "zod";
import type { ServiceCtx } from "../actor";
import type { ZMarkReadInput } from "./schema";

export async function markRead(ctx: ServiceCtx, input: z.output<typeof ZMarkReadInput>): Promise<{ updated: number }> {
  const res = await ctx.db.notification.updateMany({
    where: { recipientId: ctx.actor.id, readAt: null, ...("ids" in input ? { id: { in: input.ids } } : {}) },
    data: { readAt: ctx.now() },
  });
  return { updated: res.count };
}
