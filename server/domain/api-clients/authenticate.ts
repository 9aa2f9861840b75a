/**
 * Who is calling the REST API (/api/v1): the bearer token of an API client, resolved to the call context
 * every operation runs in (server/domain/api-clients/call-context.ts). Everything is read fresh on every call:
 *   - the token (ApiToken.scope "api"): known, not revoked, not expired, not rotated out past its overlap;
 *   - the client: an ACTIVE non-human identity whose credential is in date;
 *   - its owner: an ACTIVE human (a client whose owner left or was suspended stops working at once);
 *   - its scopes: held-scopes.ts (the client's ACTIVE, started, unexpired grants on the built-in Warrant API
 *     system; entitlement externalRef = the scope string; an unknown externalRef grants nothing).
 * Any miss answers null (the edge answers 401 and counts the attempt against the caller's address).
 */
import type { PrismaClient } from "../../db";
import { authenticateApiToken } from "../api-tokens/service";
import type { ApiCall } from "./call-context";
import { heldScopes } from "./held-scopes";

export async function authenticateApiClient(db: PrismaClient, token: string, now: Date): Promise<ApiCall | null> {
  const client = await authenticateApiToken(db, token, "api", now);
  if (!client || !client.ownerId) return null;
  const owner = await db.identity.findUnique({ where: { id: client.ownerId }, select: { id: true, kind: true, status: true } });
  if (!owner || owner.kind !== "HUMAN" || owner.status !== "ACTIVE") return null;
  return {
    clientId: client.id,
    clientKind: client.kind,
    ownerId: owner.id,
    tokenId: client.tokenId,
    tokenPrefix: (await db.apiToken.findUnique({ where: { id: client.tokenId }, select: { prefix: true } }))?.prefix ?? "",
    scopes: await heldScopes(db, client.id, now),
  };
}
