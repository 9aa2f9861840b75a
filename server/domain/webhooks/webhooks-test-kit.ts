/** Helpers for webhook delivery tests: a receiver that records the seqs it was sent and acknowledged. */
import { startWebhookServer, type WebhookCall } from "../../connectors/webhook-test-server";

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
