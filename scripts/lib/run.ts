/** Runs a script's main function: configuration errors print their message and exit 2, nothing hangs. */
import { EnvError } from "../../server/env";

export function runScript(main: () => Promise<number | void>) {
  main()
    .then((code) => process.exit(code ?? 0))
    .catch((err) => {
      if (err instanceof EnvError) {
        console.error(err.message);
        process.exit(2);
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    });
}
