/**
 * The evidence signing key's public half (PEM), for verifying packs offline:
 *   npm run evidence:verify -- pack.zip --public-key warrant-evidence.pub
 * Any signed-in person (the key is public by design); 401 signed out. The key id is in the X-Evidence-Key-Id
 * header; `?format=json` answers { keyId, publicKeyPem }.
 */
import { db } from "@/server/db";
import { getSessionIdentityId } from "@/server/auth/session";
import { publicKeyForRoute } from "@/server/domain/evidence-exports/queries";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const out = await publicKeyForRoute(db(), await getSessionIdentityId());
  if (!out.ok) return new Response(out.message, { status: out.status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  if (new URL(req.url).searchParams.get("format") === "json") {
    return Response.json({ keyId: out.keyId, publicKeyPem: out.publicKeyPem }, { headers: { "Cache-Control": "no-store" } });
  }
  return new Response(out.publicKeyPem, {
    status: 200,
    headers: {
      "Content-Type": "application/x-pem-file",
      "Content-Disposition": `attachment; filename="warrant-evidence.pub"`,
      "X-Evidence-Key-Id": out.keyId,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
