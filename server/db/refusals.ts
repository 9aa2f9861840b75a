/** Database refusals the services turn into words (the one place that knows Prisma's error codes). */
import { Prisma } from "./generated/client";

/** A unique constraint or unique index refused the write (two writers raced to create the same thing). */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002";
}
