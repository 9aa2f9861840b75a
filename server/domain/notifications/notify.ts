/**
 * Notifications: written in the same transaction as the change they announce (so a rolled-back change
 * notifies nobody); email, when SMTP is configured, is sent after commit by the worker
 * (`deliverPendingEmails`), never inside the transaction.
 */
import type { Tx } from "../../db";
import { env } from "../../env";

export type NotifyInput = {
  recipientIds: string[];
  kind: string;
  title: string;
  body: string;
  link?: string;
  /** Same key (per recipient) = the same notification: jobs that run twice do not notify twice. */
  dedupeKey?: string;
  /** The work this points to (`workKey` in ./resolve.ts): it resolves itself when that work is done. */
  workKey?: string;
};

export async function notify(tx: Tx, n: NotifyInput): Promise<number> {
  return notifyAll(tx, [n]);
}

/**
 * Several notifications in one statement (a job's batch): the same rows `notify` would write for each, in
 * order. Returns how many rows were written (a dedupe key seen before writes nothing).
 */
export async function notifyAll(tx: Tx, ns: NotifyInput[]): Promise<number> {
  const emailStatus = env().SMTP_URL ? ("PENDING" as const) : ("NONE" as const);
  const data = ns.flatMap((n) =>
    [...new Set(n.recipientIds)].map((recipientId) => ({
      recipientId,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: n.link ?? null,
      dedupeKey: n.dedupeKey ? `${n.dedupeKey}:${recipientId}` : null,
      workKey: n.workKey ?? null,
      emailStatus,
    })),
  );
  if (data.length === 0) return 0;
  const res = await tx.notification.createMany({ data, skipDuplicates: true });
  return res.count;
}
