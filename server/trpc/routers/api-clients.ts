import { router, signedInProcedure } from "../init";
import { apiClientDetail, myApiClients } from "../../domain/api-clients/queries";
import { issueApiClientToken, revokeApiToken, rotateApiToken } from "../../domain/api-tokens/service";
import { ZIssueApiClientToken, ZRevokeApiToken, ZRotateApiToken } from "../../domain/api-tokens/schema";
import { ZIdentityId } from "../../domain/identities/schema";

export const apiClientsRouter = router({
  /** The API clients I own, with how many scopes and current tokens each has. Every employee (their own). */
  mine: signedInProcedure.query(({ ctx }) => myApiClients(ctx.svc)),
  /** One API client: scopes in effect (grants with expiry), pending scope requests, tokens. Owner, admin, security, auditor. */
  byId: signedInProcedure.input(ZIdentityId).query(({ ctx, input }) => apiClientDetail(ctx.svc, input)),
  /** Issues the client's /api/v1 token, shown once; it must hold a scope (owner or admin). */
  issueToken: signedInProcedure.input(ZIssueApiClientToken).mutation(({ ctx, input }) => issueApiClientToken(ctx.svc, input)),
  /** Rotates an /api/v1 token with an overlap window; the new one is shown once (owner or admin). */
  rotateToken: signedInProcedure.input(ZRotateApiToken).mutation(({ ctx, input }) => rotateApiToken(ctx.svc, input, "api")),
  /** Revokes an /api/v1 token at once (owner or admin). */
  revokeToken: signedInProcedure.input(ZRevokeApiToken).mutation(({ ctx, input }) => revokeApiToken(ctx.svc, input, "api")),
});
