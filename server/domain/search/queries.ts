/**
 * Global search (Cmd/Ctrl-K) across people, systems, entitlements, requests and campaigns. It adds no
 * visibility rule of its own: each kind goes through the area's own list read with the term as its `q`
 * (ILIKE, LIMIT SEARCH_PER_KIND), so what a person finds is exactly what those pages would show them:
 * - people: the directory (open to every employee; emails only where the directory shows them);
 * - systems, entitlements: the catalog (open to every employee);
 * - requests: the caller's own (made by, for, or for an NHI they own: listMyRequests), and for ADMIN,
 *   SECURITY and AUDITOR, who may see every request (canSeeRequest), any request by entitlement,
 *   system or beneficiary name;
 * - campaigns: listCampaigns (owner, reviewers, and the three roles).
 * Bounded: five small LIMITed queries (plus their page counts); the identity search leans on the trigram
 * indexes added for the directory.
 */
import type { ServiceCtx } from "../actor";
import { listIdentities } from "../identities/queries";
import { ZListIdentities } from "../identities/schema";
import { listEntitlements, listSystems } from "../catalog/queries";
import { ZListEntitlementsInput, ZListSystemsInput } from "../catalog/schema";
import { listMyRequests, seesEveryRequest } from "../requests/queries";
import { ZListMyRequestsInput } from "../requests/schema";
import { listCampaigns } from "../campaigns/queries";
import { ZListCampaignsInput } from "../campaigns/schema";
import type { z } from "zod";
import { SEARCH_PER_KIND, type SearchHit, type SearchResults, type ZGlobalSearchInput } from "./schema";

const STATUS_WORD: Record<string, string> = { PENDING: "pending", APPROVED: "approved", DENIED: "denied", CANCELLED: "cancelled", EXPIRED: "expired" };

export async function globalSearch(ctx: ServiceCtx, input: z.output<typeof ZGlobalSearchInput>): Promise<SearchResults> {
  const q = input.q;
  const size = SEARCH_PER_KIND;
  const seesAllRequests = seesEveryRequest(ctx.actor);
  const [people, systems, entitlements, myRequests, allRequests, campaigns] = await Promise.all([
    listIdentities(ctx, ZListIdentities.parse({ q, size })),
    listSystems(ctx, ZListSystemsInput.parse({ q, size })),
    listEntitlements(ctx, ZListEntitlementsInput.parse({ q, size })),
    listMyRequests(ctx, ZListMyRequestsInput.parse({ q, size, dir: "desc" })),
    seesAllRequests ? searchAllRequests(ctx, q, size) : Promise.resolve([] as SearchHit[]),
    listCampaigns(ctx, ZListCampaignsInput.parse({ q, size })),
  ]);
  const requests: SearchHit[] = myRequests.rows.map((r) => ({
    id: r.id,
    title: `${r.entitlement.name} (${r.system.name})`,
    detail: `for ${r.beneficiary.name} · ${STATUS_WORD[r.status] ?? r.status.toLowerCase()}`,
    href: `/requests/${r.id}`,
  }));
  for (const r of allRequests) if (requests.length < size && !requests.some((x) => x.id === r.id)) requests.push(r);
  return {
    people: people.rows.map((p) => ({
      id: p.id,
      title: p.displayName,
      detail: [p.kind === "HUMAN" ? (p.title ?? p.department) : p.purpose, p.status !== "ACTIVE" ? p.status.toLowerCase() : null].filter(Boolean).join(" · "),
      href: `/identities/${p.id}`,
    })),
    systems: systems.rows.map((s) => ({ id: s.id, title: s.name, detail: `owned by ${s.ownerName}`, href: `/catalog/systems/${s.id}` })),
    entitlements: entitlements.rows.map((e) => ({ id: e.id, title: e.name, detail: `${e.systemName} · ${e.risk.toLowerCase()} risk`, href: `/catalog/entitlements/${e.id}` })),
    requests,
    campaigns: campaigns.rows.map((c) => ({ id: c.id, title: c.name, detail: `${c.status.toLowerCase()} · owned by ${c.ownerName}`, href: `/campaigns/${c.id}` })),
  };
}

/** For those who may see every request (canSeeRequest: ADMIN, SECURITY, AUDITOR): newest matching first. */
async function searchAllRequests(ctx: ServiceCtx, q: string, size: number): Promise<SearchHit[]> {
  const rows = await ctx.db.accessRequest.findMany({
    where: {
      OR: [
        { entitlement: { name: { contains: q, mode: "insensitive" } } },
        { entitlement: { system: { name: { contains: q, mode: "insensitive" } } } },
        { beneficiary: { displayName: { contains: q, mode: "insensitive" } } },
      ],
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: size,
    select: { id: true, status: true, entitlement: { select: { name: true, system: { select: { name: true } } } }, beneficiary: { select: { displayName: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    title: `${r.entitlement.name} (${r.entitlement.system.name})`,
    detail: `for ${r.beneficiary.displayName} · ${STATUS_WORD[r.status] ?? r.status.toLowerCase()}`,
    href: `/requests/${r.id}`,
  }));
}
