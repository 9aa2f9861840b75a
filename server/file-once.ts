/**
 * Files Warrant generates once and then keeps (the session secret, the evidence signing key, the credential
 * key): the first process to create one wins, whole, and every other process reads the winner's.
 *
 * Several processes start at once (WEB_CONCURRENCY, a worker beside the portal). Creating the file with
 * O_EXCL ("wx") and then writing leaves an instant in which it exists but is empty, and a process that lost the
 * race could read that (an empty key, or a session secret of its own that the others never see). Here the
 * content is written to a file of this process's own first and then hard-linked to the name: link() fails if
 * the name exists, and when it succeeds the file already holds all of its content.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

/** The file's content; when it does not exist, `make()`'s content is written first (mode 0600), unless another process's got there first. */
export function readOrCreateOnce(abs: string, make: () => string, dirMode = 0o700): string {
  try {
    return readFileSync(abs, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(path.dirname(abs), { recursive: true, mode: dirMode });
  const tmp = `${abs}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, make(), { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(abs, "utf8");
}
