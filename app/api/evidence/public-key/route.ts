/**
 * The evidence signing key's public half (PEM), for verifying packs offline:
 *   npm run evidence:verify -- pack.zip --public-key warrant-evidence.pub
 * Any signed-in person (the key is public by design); 401 signed out. The key id is in the X-Evidence-Key-Id
 * header; `?format=json` answers { keyId, publicKeyPem, previous }. `?all=1` answers every key this
 * installation has used (earlier keys, then the current one) as one PEM file, for packs whose anchor
 * checkpoint was signed before a key rotation.
 */
import { db } from "@/server/db";
import { downloadRoute } from "@/server/http/route";
import { textResponse } from "@/server/http/responses";
import { keyBundle, publicKeyForRoute } from "@/server/domain/evidence-exports/queries";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("api/evidence/public-key", async (req, { identityId }) => {
  const out = await publicKeyForRoute(db(), identityId);
  if (!out.ok) return textResponse(out.status, out.message);
  const q = new URL(req.url).searchParams;
  if (q.get("format") === "json") {
    return Response.json({ keyId: out.keyId, publicKeyPem: out.publicKeyPem, previous: out.previous }, { headers: { "Cache-Control": "no-store" } });
  }
  const all = q.get("all") === "1";
  return new Response(all ? keyBundle(out) : out.publicKeyPem, {
    status: 200,
    headers: {
      "Content-Type": "application/x-pem-file",
      "Content-Disposition": `attachment; filename="${all ? "warrant-evidence-keys.pem" : "warrant-evidence.pub"}"`,
      "X-Evidence-Key-Id": out.keyId,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
