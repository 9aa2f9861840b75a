import { roleProcedure, router } from "../init";
import { listApiClients } from "../../domain/api-tokens/queries";
import { createScimClient, revokeApiToken, rotateApiToken } from "../../domain/api-tokens/service";
import { ZCreateScimClient, ZRevokeApiToken, ZRotateApiToken } from "../../domain/api-tokens/schema";

export const scimClientsRouter = router({
  /** SCIM clients with their tokens (prefix, state, last use, expiry; never a token). Admin, security, auditor. */
  list: roleProcedure("ADMIN", "SECURITY", "AUDITOR").query(({ ctx }) => listApiClients(ctx.svc, "scim")),
  /** Registers a SCIM client and issues its first token, shown once (ADMIN). */
  create: roleProcedure("ADMIN").input(ZCreateScimClient).mutation(({ ctx, input }) => createScimClient(ctx.svc, input)),
  /** Issues a successor token (shown once); the old one works until the overlap ends (ADMIN). */
  rotate: roleProcedure("ADMIN").input(ZRotateApiToken).mutation(({ ctx, input }) => rotateApiToken(ctx.svc, input)),
  /** Revokes a token at once (ADMIN). */
  revoke: roleProcedure("ADMIN").input(ZRevokeApiToken).mutation(({ ctx, input }) => revokeApiToken(ctx.svc, input)),
});
