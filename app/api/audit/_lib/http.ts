/**
 * Route-handler glue for the auditor downloads: calls the audit router as the signed-in person (so the
 * role check is the router's), and maps a refusal to an HTTP status with a plain-text message.
 */
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { createCallerFactory } from "@/server/trpc/init";
import { appRouter } from "@/server/trpc/root";
import { createRequestContext } from "@/server/trpc/context";

export async function auditCaller() {
  return createCallerFactory(appRouter)(await createRequestContext());
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

export function errorResponse(e: unknown): Response {
  if (e instanceof TRPCError) {
    return new Response(e.message, { status: getHTTPStatusCodeFromError(e), headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  }
  throw e;
}
