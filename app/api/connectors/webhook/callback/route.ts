/**
 * The webhook connector's signed callback: see server/domain/provisioning/webhook-callback.ts. Exempt from the
 * Origin check (server/http/origin.ts): a server calls it and each call is authenticated by its HMAC.
 */
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { guardedRoute } from "@/server/http/route";
import { readBodyCapped } from "@/server/http/body";
import { handleWebhookCallback } from "@/server/domain/provisioning/webhook-callback";

export const dynamic = "force-dynamic";

/** A callback is a small JSON document; the body is counted as it arrives and never held past this. */
const MAX_CALLBACK_BYTES = 100_000;

export const POST = guardedRoute("api/connectors/webhook/callback", async (req) => {
  const body = await readBodyCapped(req, MAX_CALLBACK_BYTES);
  if (!body.ok) return NextResponse.json({ error: "The body is too large." }, { status: 413 });
  const rawBody = new TextDecoder().decode(body.bytes);
  const prisma = db();
  const now = (await loadClock(prisma))();
  const res = await handleWebhookCallback(prisma, {
    rawBody,
    timestamp: req.headers.get("x-warrant-timestamp"),
    signature: req.headers.get("x-warrant-signature"),
    now,
  });
  return NextResponse.json(res.body, { status: res.status });
});
