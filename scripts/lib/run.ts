/** Runs a script's main function: configuration errors print their message and exit 2, nothing hangs. */
import { EnvError } from "../../server/env";
import { DatabaseInUseError } from "../../server/db";

export function runScript(main: () => Promise<number | void>) {
  main()
    .then((code) => process.exit(code ?? 0))
    .catch((err) => {
      if ((err as { code?: string }).code === "P2021") {
        console.error("This database has no Warrant tables yet: run `npm run db:migrate` (or `npm start`) first.");
        process.exit(2);
      }
      if (err instanceof EnvError || err instanceof DatabaseInUseError) {
        console.error(err.message);
        process.exit(2);
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    });
}
