/** Helpers for the catalog's server components. */
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";

/** Awaits a by-id read; an unknown or malformed id renders the not-found page instead of an error. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) notFound();
    throw e;
  }
}

/** Whether to show catalog edit controls (a hint only: every write is checked again on the server). */
export function canEditCatalog(roles: readonly string[]): boolean {
  return roles.includes("ADMIN") && !roles.includes("AUDITOR");
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;
