import { db } from "../db";
import { getSessionIdentityId } from "../auth/session";
import { systemClock } from "../clock";
import type { TrpcContext } from "./init";
import { createCallerFactory } from "./init";
import { appRouter } from "./root";

export async function createRequestContext(): Promise<TrpcContext> {
  return { db: db(), identityId: await getSessionIdentityId(), now: systemClock };
}

/** A server-side caller for React Server Components, acting as the signed-in person. */
export async function serverCaller() {
  return createCallerFactory(appRouter)(await createRequestContext());
}
