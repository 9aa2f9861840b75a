import { handleTrpcRequest } from "@/server/http/trpc-endpoint";

export const dynamic = "force-dynamic";

/** tRPC over HTTP, behind the edge's limits (server/http/trpc-endpoint.ts). */
function handler(req: Request) {
  return handleTrpcRequest(req);
}

export { handler as GET, handler as POST };
