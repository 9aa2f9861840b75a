/**
 * tRPC building blocks. Procedures stack: public → signedIn → role. Roles are read fresh from the
 * database on every call (see loadActor). Domain errors are mapped to tRPC codes here and only here.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, ZodRealError } from "zod";
import type { PrismaClient } from "../db";
import type { Role } from "../db/generated/client";
import { busy, DomainError, type DomainErrorCode } from "../errors";
import { hasRole, loadActor, type Actor, type ServiceCtx } from "../domain/actor";
import { findUnsafeText } from "../domain/text";
import { logUnexpected, unexpectedMessage } from "../logger";
import { messagesByField } from "../domain/field-errors";

export type TrpcContext = {
  db: PrismaClient;
  /** The identity matched at sign-in, or null when signed out. */
  identityId: string | null;
  now: () => Date;
  /**
   * Set on a context that lives for one request only (one HTTP call to /api/trpc, batch included; one server
   * render): the actor, read at most once for all of its procedure calls (server/trpc/context.ts
   * requestContextFor). Without it, every call reads the actor afresh.
   */
  actorOnce?: () => Promise<Actor | null>;
};

const CODE: Record<DomainErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
  BAD_INPUT: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  BUSY: "TOO_MANY_REQUESTS",
};

/**
 * Contention, not a fault: a transaction that could not get a database connection in time (every one of
 * them waiting on the same lock, e.g. many calls about one person at once), a lock or statement timeout, a
 * deadlock or a serialisation failure. The transaction was rolled back, so nothing changed; the caller is
 * told to try again (429) instead of getting a 500.
 */
function isContention(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (code === "P2028" || code === "P2034" || code === "40P01" || code === "40001" || code === "55P03" || code === "57014") return true;
    const msg = c instanceof Error ? c.message : "";
    if (/Unable to start a transaction in the given time|deadlock detected|could not serialize access|lock timeout|canceling statement due to (lock|statement) timeout/i.test(msg)) return true;
  }
  return false;
}

function describeZod(err: ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

export type ProcedureMeta = { /** A mutation an auditor may call (starting an evidence export). */ auditorMayCall?: boolean };

const t = initTRPC.context<TrpcContext>().meta<ProcedureMeta>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path }) {
    // Never a stack, never the database's words: what was not expected is logged under an id, and the
    // caller gets a generic message with that id (server/logger.ts).
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    void _stack;
    if (error.code === "INTERNAL_SERVER_ERROR") {
      const errorId = logUnexpected(error.cause ?? error, `trpc ${path ?? "(unknown procedure)"}`);
      return { ...shape, message: unexpectedMessage(errorId), data: { ...data, errorId, fieldErrors: null } };
    }
    const zod = error.cause instanceof ZodError ? error.cause : null;
    // A domain rule about one input field (e.g. a connector secret reference) is shown next to that field too.
    const field = error.cause instanceof DomainError && error.cause.field ? error.cause.field : null;
    // Every failing rule of each field, not only one (the forms show the same words before sending: server/domain/field-errors.ts).
    const fieldErrors = zod ? messagesByField(zod.issues) : field ? { [field]: shape.message } : null;
    return {
      ...shape,
      message: zod ? `Invalid input: ${describeZod(zod)}` : shape.message,
      data: { ...data, errorId: null, fieldErrors },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps DomainError (thrown by services) to the matching tRPC error. tRPC v11: next() returns, it does not throw. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError) throw new TRPCError({ code: CODE[cause.code], message: cause.message, cause });
    if (cause instanceof ZodError) throw new TRPCError({ code: "BAD_REQUEST", message: `Invalid input: ${describeZod(cause)}`, cause });
    if (isContention(cause)) {
      const b = busy();
      throw new TRPCError({ code: CODE[b.code], message: b.message, cause });
    }
  }
  return result;
});

/**
 * Every string of every input is checked before the procedure's schema runs (server/domain/text.ts): a NUL,
 * a control character or a bidi override is refused with the field it is in, never stored, never a 500.
 */
const refuseUnsafeText = t.middleware(async ({ next, getRawInput }) => {
  const problem = findUnsafeText(await getRawInput());
  if (problem) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid input", cause: new ZodRealError([{ code: "custom", path: problem.path, message: problem.message, input: undefined }]) });
  }
  return next();
});

export const publicProcedure = t.procedure.use(mapDomainErrors).use(refuseUnsafeText);

/**
 * The active identity behind a context, with its roles, or null (signed out, unknown, suspended, deprovisioned):
 * read fresh for every call, or once for all calls of one request when the context says so (`actorOnce`).
 */
export function actorOf(ctx: TrpcContext): Promise<Actor | null> {
  if (ctx.actorOnce) return ctx.actorOnce();
  return ctx.identityId ? loadActor(ctx.db, ctx.identityId) : Promise.resolve(null);
}

/** A signed-in, active identity. Builds the service context with the actor loaded fresh (actorOf). */
export const signedInProcedure = publicProcedure.use(async ({ ctx, next, type, meta }) => {
  if (!ctx.identityId) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in." });
  const actor = await actorOf(ctx);
  if (!actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "Your account is not active in Warrant." });
  // Auditors read everything and change nothing: no mutation is callable from an auditor's session
  // (starting an evidence export is the one exception, opted into with `.meta({ auditorMayCall: true })`).
  if (type === "mutation" && hasRole(actor, "AUDITOR") && !meta?.auditorMayCall) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Auditors have read-only access: this change is not allowed." });
  }
  const svc: ServiceCtx = { db: ctx.db, actor, now: ctx.now };
  return next({ ctx: { ...ctx, actor, svc } });
});

/** Signed in and holding at least one of the given global roles (read fresh). */
export function roleProcedure(...roles: Role[]) {
  return signedInProcedure.use(({ ctx, next }) => {
    if (!hasRole(ctx.actor as Actor, ...roles)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${roles.join(" or ")} role.` });
    }
    return next();
  });
}
