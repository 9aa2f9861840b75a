import { db } from "@/server/db";
import { handleScimRequest } from "@/server/http/scim-endpoint";

/** SCIM 2.0 service provider for identity providers (docs/scim.md); authenticated by SCIM client tokens, never a session. */
type Segment = { params: Promise<{ path?: string[] }> };
const handle = async (req: Request, segment: Segment) => handleScimRequest(db(), req, (await segment.params).path ?? []);

export const dynamic = "force-dynamic";
export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
