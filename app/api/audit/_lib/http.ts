/**
 * Route-handler glue for the auditor downloads: calls the audit router as the signed-in person (so the
 * role check is the router's), and maps a refusal to an HTTP status with a plain-text message.
 */
import { TRPCError } from "@trpc/server";
import { createCallerFactory } from "@/server/trpc/init";
import { appRouter } from "@/server/trpc/root";
import { contextFor } from "@/server/trpc/context";
import { textResponse } from "@/server/http/responses";

/** The router as the person whose session the download route already resolved. */
export async function auditCaller(identityId: string | null) {
  return createCallerFactory(appRouter)(await contextFor(identityId));
}

export function csvResponse(filename: string, csv: string): Response {
  return new Response(csv, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/**
 * A refusal from the router as the route's answer. "Not allowed" and "not found" answer alike (404 and the
 * same `notFound` text), so a download URL never tells whether the thing behind it exists; 401 signed out and
 * 400 bad parameters keep their messages. Anything else is unexpected: rethrown for the route's 500.
 */
export function errorResponse(e: unknown, notFound: string): Response {
  if (e instanceof TRPCError) {
    if (e.code === "FORBIDDEN" || e.code === "NOT_FOUND") return textResponse(404, notFound);
    if (e.code === "UNAUTHORIZED") return textResponse(401, e.message);
    if (e.code === "BAD_REQUEST") return textResponse(400, e.message);
  }
  throw e;
}
