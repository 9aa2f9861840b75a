/** The webhook connector's signed callback: see server/domain/provisioning/webhook-callback.ts. */
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { loadClock } from "@/server/clock";
import { handleWebhookCallback } from "@/server/domain/provisioning/webhook-callback";

export const dynamic = "force-dynamic";

export async function POST(req: Request) {
  const rawBody = await req.text();
  if (rawBody.length > 100_000) return NextResponse.json({ error: "The body is too large." }, { status: 413 });
  const prisma = db();
  const now = (await loadClock(prisma))();
  const res = await handleWebhookCallback(prisma, {
    rawBody,
    timestamp: req.headers.get("x-warrant-timestamp"),
    signature: req.headers.get("x-warrant-signature"),
    now,
  });
  return NextResponse.json(res.body, { status: res.status });
}
