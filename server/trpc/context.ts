import { db } from "../db";
import { getSessionIdentityId } from "../auth/session";
import { loadClock } from "../clock";
import type { TrpcContext } from "./init";
import { createCallerFactory } from "./init";
import { appRouter } from "./root";

/** The context of one request for an identity already resolved from its session (null = signed out). */
export async function contextFor(identityId: string | null): Promise<TrpcContext> {
  const prisma = db();
  return { db: prisma, identityId, now: await loadClock(prisma) };
}

export async function createRequestContext(): Promise<TrpcContext> {
  return contextFor(await getSessionIdentityId());
}

/** A server-side caller for React Server Components, acting as the signed-in person. */
export async function serverCaller() {
  return createCallerFactory(appRouter)(await createRequestContext());
}
