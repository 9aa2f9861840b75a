/**
 * Calls a procedure through tRPC's HTTP handler (as the browser does), acting as an identity, and returns
 * the decoded answer: for checking what a client really receives (status, message, `data.fieldErrors`),
 * which a `createCaller` call does not show (it throws before the error formatter runs).
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import type { PrismaClient } from "../db";
import { appRouter } from "../trpc/root";

export type HttpErrorShape = { message: string; code: number; data: { code: string; httpStatus: number; fieldErrors: Record<string, string> | null } };

export async function mutateOverHttp(db: PrismaClient, identityId: string | null, path: string, input: unknown): Promise<{ status: number; error: HttpErrorShape | null; result: unknown }> {
  const req = new Request(`http://localhost/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(superjson.serialize(input)),
  });
  const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: async () => ({ db, identityId, now: () => new Date() }) });
  const body = (await res.json()) as { error?: { json: HttpErrorShape }; result?: { data: { json: unknown } } };
  return { status: res.status, error: body.error?.json ?? null, result: body.result?.data.json ?? null };
}
