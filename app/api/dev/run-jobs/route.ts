/**
 * Tests and demos only (CLOCK_CONTROL=true; 404 otherwise): runs every background job once, now, at the
 * business clock's time, and answers with what each job did.
 */
import { NextResponse } from "next/server";
import { db } from "@/server/db";
import { env } from "@/server/env";
import { loadClock } from "@/server/clock";
import { newWorkerId, runJobsOnce } from "@/server/jobs/worker";
import { guardedRoute } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = guardedRoute("api/dev/run-jobs", async () => {
  if (!env().CLOCK_CONTROL) return NextResponse.json({ error: "Not found" }, { status: 404 });
  const prisma = db();
  const now = (await loadClock(prisma))();
  const runs = await runJobsOnce(prisma, now, newWorkerId("dev-run-jobs"));
  return NextResponse.json({ now: now.toISOString(), runs });
});
