/**
 * Runs one of the project's scripts (`npm run …`) as its own process, the way an operator would, and
 * returns its exit code and output. `node --import tsx` runs it in one process (tsx's CLI would fork a
 * second), and no timeout is imposed here: on a busy machine start-up alone can take many seconds, and the
 * test's own (generous) timeout is the only bound.
 */
import { execFile } from "node:child_process";
import path from "node:path";

export type CliResult = { code: number; stdout: string; stderr: string };

export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.resolve(script), ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
