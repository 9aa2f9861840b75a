/** Errors the domain raises. Only server/trpc maps them to transport codes. */
export type DomainErrorCode = "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "BAD_INPUT" | "UNAUTHENTICATED" | "BUSY";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field the error is about (a dotted path, e.g. "connectorConfig.secretRef"), for forms. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} was not found.`);
export const forbidden = (why: string) => new DomainError("FORBIDDEN", why);
export const conflict = (why: string) => new DomainError("CONFLICT", why);
export const badInput = (why: string, field?: string) => new DomainError("BAD_INPUT", why, field);

/** Too many changes to the same thing at once: nothing was done, the caller may try again shortly. */
export const busy = () =>
  new DomainError("BUSY", "Too many changes to the same access are being made at once. Nothing was changed by this call: try again in a moment.");
