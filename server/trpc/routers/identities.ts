import { router } from "../init";

export const identitiesRouter = router({});
