/** Helpers for webhook delivery tests: receivers that record the seqs they were sent and acknowledged. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startWebhookServer, type WebhookCall } from "../../connectors/webhook-test-server";
import { verifyWebhookSignature } from "./secret";

export type Received = { seqs: string[]; status: number; deliveryId: string; signatureOk: boolean; toSeq: string; subscriptionId: string };

/**
 * A real HTTP receiver on 127.0.0.1 that verifies the signature and answers `status(callNumber)` (1-based).
 * `acked` are the seqs of batches it answered 2xx, in order; `all` every batch it was sent.
 */
export async function startReceiver(secret: string, status: (n: number, call: WebhookCall) => number | Promise<number> = () => 200) {
  const all: Received[] = [];
  let n = 0;
  const server = await startWebhookServer(secret, async (call) => {
    n++;
    const code = await status(n, call);
    const body = call.body as { events: { seq?: string; metadata?: { uid: string } }[]; toSeq: string; subscriptionId: string };
    all.push({
      seqs: body.events.map((e) => e.seq ?? e.metadata!.uid),
      status: code,
      deliveryId: String(call.headers["x-warrant-delivery"]),
      signatureOk: call.signatureOk,
      toSeq: body.toSeq,
      subscriptionId: body.subscriptionId,
    });
    return { status: code, json: { ok: code < 300 } };
  });
  return {
    ...server,
    all,
    acked: () => all.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.seqs),
    sent: () => all.flatMap((r) => r.seqs),
  };
}

/** One POST as a {@link startKeyReceiver} saw it. */
export type KeyedCall = { raw: string; body: { subscriptionId: string; fromSeq: string; toSeq: string; events: { seq: string; action: string }[]; checkpoints: { seq: string; headHash: string; signedAt: string; keyId: string; signature: string; reason: string }[] }; timestamp: string; signature: string; verified: boolean; path: string };

/**
 * A real receiver on 127.0.0.1 that knows ONE secret (changeable, as an operator would reconfigure it) and
 * does what docs/events.md tells a receiver to do: verify the signature header (any of its values) with
 * verifyWebhookSignature, answer 401 when it does not verify, 200 when it does. Every call is kept.
 * `hold` (optional) runs before the answer, to keep a batch in flight.
 */
export async function startKeyReceiver(secret: string, hold?: (call: KeyedCall) => Promise<void>) {
  const calls: KeyedCall[] = [];
  let known = secret;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(parts).toString("utf8");
      const timestamp = String(req.headers["x-warrant-timestamp"] ?? "");
      const signature = String(req.headers["x-warrant-signature"] ?? "");
      let body: KeyedCall["body"];
      try {
        body = JSON.parse(raw) as KeyedCall["body"];
      } catch {
        res.writeHead(400).end();
        return;
      }
      const call: KeyedCall = { raw, body, timestamp, signature, verified: verifyWebhookSignature(known, raw, timestamp, signature), path: req.url ?? "/" };
      calls.push(call);
      if (hold) await hold(call);
      res.writeHead(call.verified ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify({ ok: call.verified }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path = "/warrant") => `${base}${path}`,
    calls,
    /** The receiver is reconfigured with another secret. */
    setSecret(s: string) {
      known = s;
    },
    verifiedSeqs: () => calls.filter((c) => c.verified).flatMap((c) => c.body.events.map((e) => e.seq)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
