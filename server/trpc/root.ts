import { router } from "./init";
import { meRouter } from "./routers/me";
import { identitiesRouter } from "./routers/identities";
import { catalogRouter } from "./routers/catalog";
import { ledgerRouter } from "./routers/ledger";
import { homeRouter } from "./routers/home";

export const appRouter = router({
  me: meRouter,
  identities: identitiesRouter,
  catalog: catalogRouter,
  ledger: ledgerRouter,
  home: homeRouter,
});

export type AppRouter = typeof appRouter;
