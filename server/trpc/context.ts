import { cache } from "react";
import { db } from "../db";
import { getSessionIdentityId } from "../auth/session";
import { loadClock } from "../clock";
import { loadActor, type Actor } from "../domain/actor";
import type { TrpcContext } from "./init";
import { createCallerFactory } from "./init";
import { appRouter } from "./root";

/** The context of one request for an identity already resolved from its session (null = signed out). */
export async function contextFor(identityId: string | null): Promise<TrpcContext> {
  const prisma = db();
  return { db: prisma, identityId, now: await loadClock(prisma) };
}

/**
 * The context of one request that may make several procedure calls: an HTTP batch, or the layout, page and
 * components of one server render. The actor (identity and roles) is read once for all of them instead of once
 * per call; roles are still read fresh for every request. Only for a context that ends with its request: a
 * caller kept across requests (tests, scripts) uses contextFor and reads the actor on every call.
 */
export async function requestContextFor(identityId: string | null): Promise<TrpcContext> {
  return withActorOnce(await contextFor(identityId));
}

/** The context, with its actor read at most once for all of its calls (the first call reads it). */
export function withActorOnce(ctx: TrpcContext): TrpcContext {
  let actor: Promise<Actor | null> | null = null;
  const { db: prisma, identityId } = ctx;
  return { ...ctx, actorOnce: () => (actor ??= identityId ? loadActor(prisma, identityId) : Promise.resolve(null)) };
}

/** One server render's context (React `cache`: the layout and the page share it, so the actor is read once a page). */
const renderContext = cache(async (): Promise<TrpcContext> => requestContextFor(await getSessionIdentityId()));

/** A server-side caller for React Server Components, acting as the signed-in person. */
export async function serverCaller() {
  return createCallerFactory(appRouter)(await renderContext());
}
