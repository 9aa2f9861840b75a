/** Shapes of the campaign API as the client sees them (types only, inferred from the routers). */
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/trpc/root";

type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type CampaignListRow = Out["campaigns"]["list"]["rows"][number];
export type CampaignDetail = Out["campaigns"]["byId"];
export type ReviewItemRow = Out["campaigns"]["myItems"]["rows"][number];
export type CampaignReport = Out["campaignOps"]["report"];
export type ReportRow = CampaignReport["rows"][number];
export type CreateCampaignInput = In["campaigns"]["create"];
export type CampaignScope = CreateCampaignInput["scope"];
