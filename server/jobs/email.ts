/**
 * Email delivery of notifications (when SMTP_URL is set). Runs after the notifying transaction committed,
 * never inside it. A notification is claimed by bumping its emailAttempts in a `FOR UPDATE SKIP LOCKED`
 * transaction: that moves its next due time into the future, so no other worker picks it up while it is
 * being sent. Then it is sent outside the transaction and marked SENT, or left PENDING for a retry with
 * backoff, or FAILED after MAX_EMAIL_ATTEMPTS.
 */
import nodemailer from "nodemailer";
import type { PrismaClient } from "../db";
import { env } from "../env";

export const MAX_EMAIL_ATTEMPTS = 5;
/** Attempt n+1 is due 1 min · (2^n − 1) after the notification was written: 0, 1, 3, 7, 15 min. */
const EMAIL_BACKOFF_MS = 60_000;

function portalUrl(): string {
  return (process.env.NEXTAUTH_URL ?? `http://localhost:${env().PORT}`).replace(/\/$/, "");
}

type Claimed = { id: string; title: string; body: string; link: string | null; emailAttempts: number; email: string | null; displayName: string };

async function claim(db: PrismaClient, now: Date, limit: number): Promise<Claimed[]> {
  return db.$transaction(async (tx) => {
    return tx.$queryRaw<Claimed[]>`
      UPDATE "Notification" n SET "emailAttempts" = n."emailAttempts" + 1
        FROM "Identity" i
       WHERE i."id" = n."recipientId"
         AND n."id" IN (
           SELECT "id" FROM "Notification"
            WHERE "emailStatus" = 'PENDING'
              AND "createdAt" + (${EMAIL_BACKOFF_MS}::int * (power(2, "emailAttempts") - 1)) * interval '1 millisecond' <= ${now.toISOString()}::timestamp
            ORDER BY "createdAt", "id"
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
      RETURNING n."id", n."title", n."body", n."link", n."emailAttempts", i."email", i."displayName"`;
  });
}

/** Sends pending notification emails. Returns how many were sent. Without SMTP_URL it does nothing. */
export async function deliverPendingEmails(db: PrismaClient, now: Date, limit = 50): Promise<{ processed: number }> {
  const e = env();
  if (!e.SMTP_URL) return { processed: 0 };
  const batch = await claim(db, now, limit);
  if (batch.length === 0) return { processed: 0 };
  const transport = nodemailer.createTransport(e.SMTP_URL, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
  let sent = 0;
  try {
    for (const n of batch) {
      let error: string | null = null;
      if (!n.email) {
        error = "The recipient has no email address.";
      } else {
        try {
          const link = n.link ? `${portalUrl()}${n.link.startsWith("/") ? n.link : `/${n.link}`}` : null;
          await transport.sendMail({
            from: e.MAIL_FROM,
            to: { name: n.displayName, address: n.email },
            subject: n.title,
            text: `${n.body}${link ? `\n\n${link}` : ""}\n\n— Warrant`,
          });
        } catch (err) {
          error = (err as Error).message.slice(0, 1000);
        }
      }
      if (error === null) {
        await db.notification.updateMany({ where: { id: n.id, emailStatus: "PENDING", emailAttempts: n.emailAttempts }, data: { emailStatus: "SENT", emailError: null } });
        sent++;
      } else {
        const final = !n.email || n.emailAttempts >= MAX_EMAIL_ATTEMPTS;
        await db.notification.updateMany({ where: { id: n.id, emailStatus: "PENDING", emailAttempts: n.emailAttempts }, data: { emailStatus: final ? "FAILED" : "PENDING", emailError: error } });
      }
    }
  } finally {
    transport.close();
  }
  return { processed: sent };
}
