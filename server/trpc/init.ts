/**
 * tRPC building blocks. Procedures stack: public → signedIn → role. Roles are read fresh from the
 * database on every call (see loadActor). Domain errors are mapped to tRPC codes here and only here.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { PrismaClient } from "../db";
import type { Role } from "../db/generated/client";
import { DomainError, type DomainErrorCode } from "../errors";
import { hasRole, loadActor, type Actor, type ServiceCtx } from "../domain/actor";

export type TrpcContext = {
  db: PrismaClient;
  /** The identity matched at sign-in, or null when signed out. */
  identityId: string | null;
  now: () => Date;
};

const CODE: Record<DomainErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
  BAD_INPUT: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
};

function describeZod(err: ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

export type ProcedureMeta = { /** A mutation an auditor may call (starting an evidence export). */ auditorMayCall?: boolean };

const t = initTRPC.context<TrpcContext>().meta<ProcedureMeta>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    // A domain rule about one input field (e.g. a connector secret reference) is shown next to that field too.
    const field = error.cause instanceof DomainError && error.cause.field ? error.cause.field : null;
    const fieldErrors = zod ? Object.fromEntries(zod.issues.map((i) => [i.path.join("."), i.message])) : field ? { [field]: shape.message } : null;
    return {
      ...shape,
      message: zod ? `Invalid input: ${describeZod(zod)}` : shape.message,
      data: { ...shape.data, fieldErrors },
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
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapDomainErrors);

/** A signed-in, active identity. Builds the service context with the actor loaded fresh. */
export const signedInProcedure = publicProcedure.use(async ({ ctx, next, type, meta }) => {
  if (!ctx.identityId) throw new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in." });
  const actor = await loadActor(ctx.db, ctx.identityId);
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
