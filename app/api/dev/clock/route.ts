/**
 * Tests and demos only (CLOCK_CONTROL=true; 404 otherwise): moves the shared business clock.
 * POST { "advanceMs": <number> } → { now }. GET → { now }. Each move is a "clock.moved" ledger event.
 */
import { NextResponse } from "next/server";
import { z } from "zod";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { advanceClock, loadClock } from "@/server/clock";
import { guardedRoute } from "@/server/http/route";

export const dynamic = "force-dynamic";

const ZBody = z.object({ advanceMs: z.number().int().min(-365 * 86_400_000).max(3 * 365 * 86_400_000) }).strict();

export const GET = guardedRoute("api/dev/clock", async () => {
  if (!env().CLOCK_CONTROL) return NextResponse.json({ error: "Not found" }, { status: 404 });
  return NextResponse.json({ now: (await loadClock(db()))().toISOString() });
});

export const POST = guardedRoute("api/dev/clock", async (req) => {
  if (!env().CLOCK_CONTROL) return NextResponse.json({ error: "Not found" }, { status: 404 });
  const parsed = ZBody.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: 'Send JSON {"advanceMs": <whole number of milliseconds>}.' }, { status: 400 });
  const now = await advanceClock(db(), parsed.data.advanceMs, null);
  return NextResponse.json({ now: now.toISOString() });
});
