/** Helpers for the campaign pages (server components). */
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";

/** Awaits a by-id read; an unknown, hidden or malformed id renders the not-found page. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST" || e.code === "FORBIDDEN")) notFound();
    throw e;
  }
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;
