/**
 * The webhook connector's callback (POST /api/connectors/webhook/callback): an endpoint that answered 202
 * reports the outcome later, signed with the same shared secret as Warrant's call to it.
 * Body: { taskId, status: "done" | "failed", readBack?: {...}, error?: string }.
 */
import { z } from "zod";
import type { PrismaClient } from "../../db";
import { verifySignature, webhookSecret, readBackAgrees } from "../../connectors/webhook";
import { completeTask, failAttempt, loadTaskContext } from "./outcome";

const ZCallback = z
  .object({
    taskId: z.uuid(),
    status: z.enum(["done", "failed"]),
    readBack: z.record(z.string(), z.unknown()).optional(),
    error: z.string().max(2000).optional(),
  })
  .strict();

export type CallbackResult = { status: number; body: Record<string, unknown> };

/** Verifies and applies one callback. `now` is the business clock; the signature is checked against the wall clock. */
export async function handleWebhookCallback(db: PrismaClient, req: { rawBody: string; timestamp: string | null; signature: string | null; now: Date }): Promise<CallbackResult> {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch {
    return { status: 400, body: { error: "The body must be JSON." } };
  }
  const parsed = ZCallback.safeParse(json);
  if (!parsed.success) return { status: 400, body: { error: 'Expected {"taskId": "<uuid>", "status": "done" | "failed", "readBack"?: {...}, "error"?: "..."}.' } };
  const cb = parsed.data;
  const unverified: CallbackResult = { status: 401, body: { error: "The signature could not be verified." } };
  const t = await loadTaskContext(db, cb.taskId);
  if (!t || t.connector !== "WEBHOOK") return unverified;
  let secret: string;
  try {
    secret = webhookSecret(t.grant.entitlement.system.connectorConfig);
  } catch {
    return unverified;
  }
  if (!verifySignature(secret, req.rawBody, req.timestamp, req.signature, new Date()).ok) return unverified;
  if (t.status === "DONE") return { status: 200, body: { ok: true, status: "DONE", note: "Already done." } };
  if (t.status !== "AWAITING_CONFIRMATION") return { status: 409, body: { error: `The task is ${t.status}, not waiting for a callback.` } };

  const guard = { status: "AWAITING_CONFIRMATION" as const };
  const outcome = await db.$transaction(async (tx) => {
    if (cb.status === "failed") {
      const r = await failAttempt(tx, t, guard, { error: `The webhook reported a failure: ${cb.error ?? "no reason given"}`, now: req.now, actorId: null, countAttempt: false });
      return r === "lost" ? null : r === "failed" ? "FAILED" : "PENDING";
    }
    const readBack = cb.readBack ?? {};
    const receipt = { connector: "WEBHOOK" as const, action: t.action, target: String((t.grant.entitlement.system.connectorConfig as { url?: string }).url ?? ""), performedAt: req.now.toISOString(), readBack, confirmed: readBackAgrees(t.action, readBack), via: "callback" };
    if (!receipt.confirmed) {
      const r = await failAttempt(tx, t, guard, { error: "The webhook's read-back does not show the change.", now: req.now, actorId: null, countAttempt: false, receipt });
      return r === "lost" ? null : r === "failed" ? "FAILED" : "PENDING";
    }
    return (await completeTask(tx, t, guard, { receipt, now: req.now, actorId: null })) ? "DONE" : null;
  });
  if (!outcome) return { status: 409, body: { error: "The task changed while the callback was applied." } };
  return { status: 200, body: { ok: true, status: outcome } };
}
