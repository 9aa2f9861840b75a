import { router } from "./init";
import { meRouter } from "./routers/me";
import { identitiesRouter } from "./routers/identities";
import { catalogRouter } from "./routers/catalog";
import { ledgerRouter } from "./routers/ledger";
import { homeRouter } from "./routers/home";
import { policyRouter } from "./routers/policy";
import { requestsRouter } from "./routers/requests";
import { approvalsRouter } from "./routers/approvals";
import { delegationsRouter } from "./routers/delegations";
import { grantsRouter } from "./routers/grants";
import { credentialsRouter } from "./routers/credentials";
import { tasksRouter } from "./routers/tasks";
import { notificationsRouter } from "./routers/notifications";
import { findingsRouter } from "./routers/findings";
import { campaignOpsRouter } from "./routers/campaign-ops";
import { campaignsRouter } from "./routers/campaigns";
import { auditRouter } from "./routers/audit";
import { evidenceRouter } from "./routers/evidence";
import { searchRouter } from "./routers/search";
import { scimClientsRouter } from "./routers/scim-clients";
import { apiClientsRouter } from "./routers/api-clients";
import { reconciliationRouter } from "./routers/reconciliation";
import { identityImportRouter } from "./routers/identity-import";
import { webhooksRouter } from "./routers/webhooks";

export const appRouter = router({
  me: meRouter,
  identities: identitiesRouter,
  catalog: catalogRouter,
  ledger: ledgerRouter,
  webhooks: webhooksRouter,
  home: homeRouter,
  policy: policyRouter,
  requests: requestsRouter,
  approvals: approvalsRouter,
  delegations: delegationsRouter,
  grants: grantsRouter,
  credentials: credentialsRouter,
  tasks: tasksRouter,
  notifications: notificationsRouter,
  findings: findingsRouter,
  campaignOps: campaignOpsRouter,
  campaigns: campaignsRouter,
  audit: auditRouter,
  evidence: evidenceRouter,
  search: searchRouter,
  scimClients: scimClientsRouter,
  apiClients: apiClientsRouter,
  reconciliation: reconciliationRouter,
  identityImport: identityImportRouter,
});

export type AppRouter = typeof appRouter;
