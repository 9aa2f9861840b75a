/** Inputs of the credential procedures (shared with the client). */
import { z } from "zod";

export const ZCredentialIdInput = z.object({ credentialId: z.uuid() }).strict();
export type TCredentialIdInput = z.input<typeof ZCredentialIdInput>;

/** Longest schedule between rotations: a year. */
export const CREDENTIAL_ROTATE_MAX_HOURS = 8760;
export const ZCredentialRotateHours = z.number().int().min(1).max(CREDENTIAL_ROTATE_MAX_HOURS);
