import { router } from "../init";

export const catalogRouter = router({});
