import { router } from "./init";
import { meRouter } from "./routers/me";
import { identitiesRouter } from "./routers/identities";
import { catalogRouter } from "./routers/catalog";
import { ledgerRouter } from "./routers/ledger";

export const appRouter = router({
  me: meRouter,
  identities: identitiesRouter,
  catalog: catalogRouter,
  ledger: ledgerRouter,
});

export type AppRouter = typeof appRouter;
