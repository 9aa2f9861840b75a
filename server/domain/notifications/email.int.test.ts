/**
 * Email through a real SMTP server (smtp-server on 127.0.0.1). SMTP_URL is set before anything in this
 * file reads the environment (env() is parsed once per test file).
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../testing/db";
import { makeHuman } from "../../testing/factories";
import { deliverPendingEmails, MAX_EMAIL_ATTEMPTS } from "../../jobs/email";
import { notify } from "./notify";

type Mail = { from: string; to: string[]; raw: string };
const received: Mail[] = [];
let smtp: SMTPServer;
let rejectAll = false;
let db: TestDb;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (rejectAll) return cb(Object.assign(new Error("mailbox unavailable"), { responseCode: 450 }));
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
  process.env.MAIL_FROM = "Warrant <warrant@halcyon.example>";
  process.env.NEXTAUTH_URL = "https://warrant.halcyon.example";
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe("email delivery (deliverPendingEmails)", () => {
  it("sends a pending notification as a real mail with a link to the portal, and marks it SENT once", async () => {
    const person = await makeHuman(db.prisma, { name: "Priya Nair" });
    await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [person.id], kind: "grant.expiring", title: "Access ends soon: prod-read", body: "It ends on Friday.", link: "/requests/new?extend=abc" }));
    const n = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: person.id } });
    expect(n.emailStatus).toBe("PENDING");

    const [a, b] = await Promise.all([deliverPendingEmails(db.prisma, new Date()), deliverPendingEmails(db.prisma, new Date())]);
    expect(a.processed + b.processed).toBe(1);
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.from).toBe("warrant@halcyon.example");
    expect(mail.to).toEqual([person.email]);
    expect(mail.raw).toContain("Subject: Access ends soon: prod-read");
    const text = mail.raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(text).toContain("https://warrant.halcyon.example/requests/new?extend=abc");
    expect(await db.prisma.notification.findUniqueOrThrow({ where: { id: n.id } })).toMatchObject({ emailStatus: "SENT", emailAttempts: 1, emailError: null });
    expect(await deliverPendingEmails(db.prisma, new Date())).toEqual({ processed: 0 });
    expect(received).toHaveLength(1);
  });

  it("retries a refused mail with backoff, and gives up (FAILED) after the last attempt", async () => {
    rejectAll = true;
    try {
      const person = await makeHuman(db.prisma);
      await db.prisma.$transaction((tx) => notify(tx, { recipientIds: [person.id], kind: "k", title: "Will bounce", body: "b" }));
      const id = (await db.prisma.notification.findFirstOrThrow({ where: { recipientId: person.id } })).id;
      await deliverPendingEmails(db.prisma, new Date());
      let row = await db.prisma.notification.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ emailStatus: "PENDING", emailAttempts: 1, emailError: expect.stringContaining("mailbox unavailable") });
      // Not due again straight away.
      await deliverPendingEmails(db.prisma, new Date());
      expect((await db.prisma.notification.findUniqueOrThrow({ where: { id } })).emailAttempts).toBe(1);
      for (let i = 0; i < MAX_EMAIL_ATTEMPTS; i++) await deliverPendingEmails(db.prisma, new Date(Date.now() + 24 * 3_600_000));
      row = await db.prisma.notification.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ emailStatus: "FAILED", emailAttempts: MAX_EMAIL_ATTEMPTS });
    } finally {
      rejectAll = false;
    }
  });
});
