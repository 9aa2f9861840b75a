import { db } from "../db";
import { getSessionIdentityId } from "../auth/session";
import { loadClock } from "../clock";
import type { TrpcContext } from "./init";
import { createCallerFactory } from "./init";
import { appRouter } from "./root";

export async function createRequestContext(): Promise<TrpcContext> {
  const prisma = db();
  const [identityId, now] = await Promise.all([getSessionIdentityId(), loadClock(prisma)]);
  return { db: prisma, identityId, now };
}

/** A server-side caller for React Server Components, acting as the signed-in person. */
export async function serverCaller() {
  return createCallerFactory(appRouter)(await createRequestContext());
}
