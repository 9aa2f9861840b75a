/**
 * Checkpoint witnesses: places outside the database that receive every signed checkpoint, so that whoever
 * holds the signing key (the portal itself) cannot rewrite a history a witness has seen without the
 * verifier noticing (`evidence:verify --witness`, server/evidence/witness-check.ts). docs/evidence-pack.md,
 * "Witnessed checkpoints", has the threat model.
 *
 * Pluggable: a kind says which targets the configuration names and how to deliver one checkpoint to one of
 * them. Delivery is reliable through an outbox: `enqueueWitnessDeliveries` writes one WitnessDelivery row per
 * configured target in the checkpoint's own transaction, and the worker (server/jobs/witnesses.ts) delivers
 * them with a lease, retries and backoff. Deliveries are at least once: a kind must be idempotent or
 * harmless when repeated (the verifier counts a repeated checkpoint once). The event stream of issue 12 is
 * meant to become one more kind here.
 */
import { randomUUID } from "node:crypto";
import { link, open, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Tx } from "../db";
import { env, type Env } from "../env";
import { signPayload } from "../connectors/webhook";
import type { PackCheckpoint } from "./format";
import { witnessFileName, witnessLine } from "./witness-check";

export type WitnessKind = {
  kind: string;
  /** The targets of this kind the configuration names (none = the kind is off). */
  targets(e: Env): string[];
  /** Delivers one checkpoint to one target; throws (with a message for an operator) when it did not arrive. */
  deliver(target: string, cp: PackCheckpoint, e: Env): Promise<void>;
};

const WEBHOOK_TIMEOUT_MS = 10_000;

async function fsyncFolder(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * (a) An append-only JSON Lines file: one line per checkpoint, opened O_APPEND (never positioned, never
 * truncated, never rewritten) and fsync'd before the delivery counts. A line torn by a crash mid-write is
 * closed with a newline before the next one, so it never swallows a good line.
 */
export const fileWitness: WitnessKind = {
  kind: "file",
  targets: (e) => (e.WITNESS_FILE ? [e.WITNESS_FILE] : []),
  async deliver(target, cp) {
    const fh = await open(target, "a+", 0o640);
    try {
      const { size } = await fh.stat();
      let prefix = "";
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 10) prefix = "\n";
      }
      await fh.write(`${prefix}${witnessLine(cp)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsyncFolder(path.dirname(target));
  },
};

/**
 * (b) A folder: one file per checkpoint (witnessFileName), written to a temporary name, fsync'd, then linked
 * to its final name (link never replaces an existing file) — so a checkpoint file appears whole or not at
 * all, and is never overwritten. The same checkpoint delivered twice finds its own file and is done.
 */
export const folderWitness: WitnessKind = {
  kind: "folder",
  targets: (e) => (e.WITNESS_DIR ? [e.WITNESS_DIR] : []),
  async deliver(target, cp) {
    const name = witnessFileName(cp);
    const content = `${witnessLine(cp)}\n`;
    const final = path.join(target, name);
    const tmp = path.join(target, `.tmp-${randomUUID()}`);
    const fh = await open(tmp, "wx", 0o640);
    try {
      await fh.write(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, final);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        const existing = await readFile(final, "utf8").catch(() => null);
        if (existing !== content) throw new Error(`${final} exists with other content: not overwritten`);
      } else if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") {
        // A file system without hard links: create the final name exclusively instead (never overwrites either).
        await writeFile(final, content, { flag: "wx", mode: 0o640 }).catch(async (w: NodeJS.ErrnoException) => {
          if (w.code !== "EEXIST" || (await readFile(final, "utf8").catch(() => null)) !== content) throw w;
        });
      } else throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await fsyncFolder(target);
  },
};

/** (c) Email to the audit mailbox, through SMTP_URL: the witness line in the body, the seq in the subject. */
export const emailWitness: WitnessKind = {
  kind: "email",
  targets: (e) => (e.WITNESS_EMAIL ? [e.WITNESS_EMAIL] : []),
  async deliver(target, cp, e) {
    if (!e.SMTP_URL) throw new Error("SMTP_URL is not set: the checkpoint cannot be mailed");
    const transport = nodemailer.createTransport(e.SMTP_URL, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
    try {
      await transport.sendMail({
        from: e.MAIL_FROM,
        to: target,
        subject: `Warrant ledger checkpoint seq ${cp.seq} (${cp.reason})`,
        headers: { "X-Warrant-Checkpoint-Seq": cp.seq },
        text: [
          `Warrant signed a checkpoint of its evidence ledger: event ${cp.seq} has hash ${cp.headHash}.`,
          "Keep this mail: it is a witness. To check an evidence pack against it, put the line below into a file",
          "(one line per checkpoint) and run: npm run evidence:verify -- pack.zip --public-key key.pem --witness <file>",
          "",
          witnessLine(cp),
          "",
        ].join("\n"),
      });
    } finally {
      transport.close();
    }
  },
};

/**
 * (d) HTTP webhook subscribers: POST of the witness line (JSON), signed like the webhook connector
 * (X-Warrant-Timestamp, X-Warrant-Signature: sha256=HMAC(secret, "<timestamp>.<body>")). Any 2xx counts.
 */
export const webhookWitness: WitnessKind = {
  kind: "webhook",
  targets: (e) => e.WITNESS_WEBHOOK_URLS ?? [],
  async deliver(target, cp, e) {
    if (!e.WITNESS_WEBHOOK_SECRET) throw new Error("WITNESS_WEBHOOK_SECRET is not set");
    const body = witnessLine(cp);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let res: Response;
    try {
      res = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Warrant-Timestamp": timestamp, "X-Warrant-Signature": signPayload(e.WITNESS_WEBHOOK_SECRET, timestamp, body) },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`${new URL(target).origin} could not be reached: ${(err as Error).message}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`${new URL(target).origin} answered HTTP ${res.status}`);
  },
};

/** Every kind, in delivery order. A new witness (e.g. the event stream) is one more entry. */
export const WITNESS_KINDS: readonly WitnessKind[] = [fileWitness, folderWitness, emailWitness, webhookWitness];

export type WitnessTarget = { kind: string; target: string };

/** The witnesses the configuration names. */
export function configuredWitnesses(e: Env = env()): WitnessTarget[] {
  return WITNESS_KINDS.flatMap((k) => k.targets(e).map((target) => ({ kind: k.kind, target })));
}

/** One line for the start-up log: where checkpoints go, or that no witness is configured. */
export function describeWitnesses(e: Env = env()): string {
  const w = configuredWitnesses(e);
  if (!w.length) return "Checkpoint witnesses: none configured (WITNESS_FILE, WITNESS_DIR, WITNESS_EMAIL, WITNESS_WEBHOOK_URLS; see docs/evidence-pack.md).";
  return `Checkpoint witnesses: ${w.map((x) => `${x.kind} ${x.kind === "webhook" ? new URL(x.target).origin : x.target}`).join(", ")}.`;
}

export function witnessKind(kind: string): WitnessKind | undefined {
  return WITNESS_KINDS.find((k) => k.kind === kind);
}

/** Writes one delivery per configured witness for a checkpoint, inside the checkpoint's transaction. */
export async function enqueueWitnessDeliveries(tx: Tx, checkpointId: string, now: Date, targets: WitnessTarget[] = configuredWitnesses()): Promise<number> {
  if (!targets.length) return 0;
  const res = await tx.witnessDelivery.createMany({ data: targets.map((t) => ({ checkpointId, kind: t.kind, target: t.target, nextAttemptAt: now, createdAt: now })), skipDuplicates: true });
  return res.count;
}
