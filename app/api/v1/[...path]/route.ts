import { db } from "@/server/db";
import { handleApiV1Request } from "@/server/http/api-v1/endpoint";

/** The REST API (docs/api.md): authenticated by API client tokens, never a session; GET /api/v1/openapi.json describes it. */
type Segment = { params: Promise<{ path?: string[] }> };
const handle = async (req: Request, segment: Segment) => handleApiV1Request(db(), req, (await segment.params).path ?? []);

export const dynamic = "force-dynamic";
export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
