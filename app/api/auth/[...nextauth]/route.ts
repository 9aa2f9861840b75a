import { handleAuthRequest } from "@/server/http/auth-endpoint";

/** next-auth, behind the sign-in rate limits (server/http/auth-endpoint.ts). */
async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return handleAuthRequest(req, (await ctx.params).nextauth);
}

export { handler as GET, handler as POST };
