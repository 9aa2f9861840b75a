/**
 * Inputs of governed API clients and their bearer tokens (SCIM clients today; the REST API's clients reuse
 * the same tables and rules through `scope`). Only zod here: components import this file.
 */
import { z } from "zod";
import { INPUT_DATE_MAX, INPUT_DATE_MIN, INPUT_DATE_RANGE } from "../input-bounds";

/** "scim": the /scim/v2 endpoint; "api": the REST API /api/v1 (what it may call is the client's API scopes, server/domain/api-clients/scopes.ts). */
export const API_TOKEN_SCOPES = ["scim", "api"] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** The longest a token (and a client's credential) may live: a year. */
export const MAX_TOKEN_DAYS = 365;
/** Default rotation overlap: a day for the identity provider to pick up the new token. */
export const DEFAULT_OVERLAP_HOURS = 24;
export const MAX_OVERLAP_HOURS = 7 * 24;

const uuid = (what: string) => z.uuid({ message: `${what} must be a valid id (a UUID).` });

export const ZCreateScimClient = z
  .object({
    displayName: z.string().trim().min(2, "Name the client (at least 2 characters), e.g. \"Okta SCIM\".").max(120, "The name is at most 120 characters."),
    ownerId: uuid("ownerId"),
    purpose: z.string().trim().min(5, "Say what the client is for (at least 5 characters).").max(500, "The purpose is at most 500 characters."),
    /** When the client's credential, and so every token of it, expires. */
    expiresAt: z.date({ message: "expiresAt must be a date." }).min(INPUT_DATE_MIN, INPUT_DATE_RANGE).max(INPUT_DATE_MAX, INPUT_DATE_RANGE),
  })
  .strict();
export type TCreateScimClient = z.infer<typeof ZCreateScimClient>;

export const ZRotateApiToken = z
  .object({
    tokenId: uuid("tokenId"),
    /** How long the old token keeps working after rotation. */
    overlapHours: z
      .number({ message: "overlapHours must be a number of hours." })
      .int("overlapHours must be a whole number of hours.")
      .min(0, "overlapHours cannot be negative.")
      .max(MAX_OVERLAP_HOURS, `The overlap is at most ${MAX_OVERLAP_HOURS} hours (7 days).`)
      .default(DEFAULT_OVERLAP_HOURS),
  })
  .strict();
export type TRotateApiToken = z.input<typeof ZRotateApiToken>;

export const ZRevokeApiToken = z
  .object({
    tokenId: uuid("tokenId"),
    reason: z.string().trim().min(3, "Give a reason (at least 3 characters).").max(500, "The reason is at most 500 characters."),
  })
  .strict();
export type TRevokeApiToken = z.infer<typeof ZRevokeApiToken>;

/** Issues a token for an API client of /api/v1 (its owner or an admin; the client must hold a scope). */
export const ZIssueApiClientToken = z.object({ identityId: uuid("identityId") }).strict();
export type TIssueApiClientToken = z.infer<typeof ZIssueApiClientToken>;

/** A token's state as people see it. */
export type ApiTokenState = "active" | "overlap" | "expired" | "revoked" | "replaced";
