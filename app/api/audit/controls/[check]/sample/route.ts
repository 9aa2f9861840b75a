/**
 * GET /api/audit/controls/<check>/sample?n=&seed=&from=&to=&system= — a reproducible random sample of a
 * control check's population as CSV; the seed (drawn when absent), n and the algorithm are in the header.
 * ADMIN, SECURITY or AUDITOR; 401 signed out, 400 bad parameters, 404 for anyone else (as for a missing check).
 */
import { downloadRoute } from "@/server/http/route";
import { auditCaller, csvResponse, errorResponse } from "../../../_lib/http";
import { sampleCsv, sampleFilename } from "@/server/domain/audit/sampling";
import type { TSampleInput } from "@/server/domain/audit/schema";

export const dynamic = "force-dynamic";

export const GET = downloadRoute<{ check: string }>("api/audit/controls/sample", async (req, { identityId, params: { check } }) => {
  const sp = new URL(req.url).searchParams;
  const opt = (k: string) => sp.get(k) || undefined;
  const systems = sp.getAll("system").filter(Boolean);
  try {
    const api = await auditCaller(identityId);
    const sample = await api.audit.sample({
      check: check as TSampleInput["check"],
      n: (opt("n") ?? "25") as unknown as number,
      ...(opt("seed") !== undefined ? { seed: opt("seed") as unknown as number } : {}),
      ...(opt("from") ? { from: opt("from") } : {}),
      ...(opt("to") ? { to: opt("to") } : {}),
      ...(systems.length ? { systemNames: systems } : {}),
    });
    return csvResponse(sampleFilename(sample), `\uFEFF${sampleCsv(sample)}`);
  } catch (e) {
    return errorResponse(e, "The control check was not found.");
  }
});
