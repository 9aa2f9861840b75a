/**
 * Connector secrets are never stored in the catalog: a setting refers to one (`secretRef`, `sslRootCertRef`)
 * and the value is read when it is needed, from the connector secrets namespace only (see secret-ref.ts):
 * an environment variable named WARRANT_CONNECTOR_<NAME>, or a file in CONNECTOR_SECRETS_DIR.
 *
 * The catalog checks a reference when it is saved; this module checks it again every time it is resolved,
 * because a row written before the namespace existed (or straight into the database) may still name
 * NEXTAUTH_SECRET or DATABASE_URL, and must never be resolved. Error messages name the reference at most,
 * never a value.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import path from "node:path";
import { env } from "../env";
import { formatSecretRef, parseSecretRef, type SecretRef } from "./secret-ref";
import { ConnectorError } from "./types";

/** A secret or CA bundle is small; anything larger is a mistake (or a device file), not a secret. */
export const SECRET_FILE_MAX_BYTES = 64 * 1024;

export type SecretsOptions = {
  /** CONNECTOR_SECRETS_DIR; unset = file: references are refused. */
  secretsDir?: string | undefined;
  /** Where env: references are read (process.env). */
  environment?: Record<string, string | undefined>;
};

const defaults = (): SecretsOptions => ({ secretsDir: env().CONNECTOR_SECRETS_DIR, environment: process.env });

/** Parses a reference or throws a ConnectorError that repeats nothing of it (it may be a pasted secret). */
function parseOrThrow(raw: string, what: string): SecretRef {
  const parsed = parseSecretRef(raw);
  if (!parsed.ok) {
    throw new ConnectorError(`The ${what} refers to a secret outside the connector secrets namespace, so Warrant will not read it: the reference ${parsed.message}. An admin must correct the system's connector settings.`, { permanent: true });
  }
  return parsed.ref;
}

/** The real path of the file a file: reference names, checked to stay inside the folder. */
function secretFilePath(dir: string, name: string, what: string): string {
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch {
    throw new ConnectorError(`The ${what} secret file:${name} cannot be read: CONNECTOR_SECRETS_DIR does not exist on this host.`);
  }
  let real: string;
  try {
    real = realpathSync(path.join(realDir, name));
  } catch {
    throw new ConnectorError(`The ${what} secret file:${name} is missing: put the file in CONNECTOR_SECRETS_DIR on the portal and the workers.`);
  }
  // Symlinks are followed (Kubernetes mounts secrets as links into a ..data folder), but the final file
  // must be inside the folder: a link to /etc/passwd or to the portal's .data/auth-secret is refused.
  // Compare path segments, not text: "..2026_01_01/token" (a Kubernetes data folder) is inside.
  const rel = path.relative(realDir, real);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new ConnectorError(`The ${what} secret file:${name} resolves outside CONNECTOR_SECRETS_DIR (a symbolic link out of the folder), so Warrant will not read it.`, { permanent: true });
  }
  return real;
}

function readSecretFile(dir: string, name: string, what: string): string {
  const real = secretFilePath(dir, name, what);
  let fd: number;
  try {
    // O_NOFOLLOW: `real` has no links left; if one was swapped in since realpath, refuse rather than follow it.
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    throw new ConnectorError(`The ${what} secret file:${name} cannot be opened.`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConnectorError(`The ${what} secret file:${name} is not a regular file.`, { permanent: true });
    if (st.size > SECRET_FILE_MAX_BYTES) throw new ConnectorError(`The ${what} secret file:${name} is larger than ${SECRET_FILE_MAX_BYTES / 1024} KiB.`, { permanent: true });
    const buf = Buffer.alloc(SECRET_FILE_MAX_BYTES + 1);
    let len = 0;
    for (let n = 1; n > 0 && len < buf.length; len += n) n = readSync(fd, buf, len, buf.length - len, null);
    if (len > SECRET_FILE_MAX_BYTES) throw new ConnectorError(`The ${what} secret file:${name} is larger than ${SECRET_FILE_MAX_BYTES / 1024} KiB.`, { permanent: true });
    // Files written by `echo` or editors end with a newline that is not part of the secret.
    return buf.subarray(0, len).toString("utf8").replace(/\r?\n$/, "");
  } finally {
    closeSync(fd);
  }
}

/**
 * The value a connector secret reference names. Throws a ConnectorError (`permanent` when the reference
 * itself is not allowed, so the worker does not retry it) whose message names no secret value.
 */
export function resolveSecretRef(ref: string | undefined | null, what: string, opts: SecretsOptions = defaults()): string {
  if (!ref) throw new ConnectorError(`The ${what} has no secretRef configured.`);
  const parsed = parseOrThrow(ref, what);
  let value: string | undefined;
  if (parsed.kind === "env") {
    value = (opts.environment ?? process.env)[parsed.name];
    if (!value) throw new ConnectorError(`The ${what} secret is missing: set the environment variable ${parsed.name} on the portal and the workers.`);
  } else {
    if (!opts.secretsDir) {
      throw new ConnectorError(`The ${what} secret ${formatSecretRef(parsed)} cannot be read: file: references need CONNECTOR_SECRETS_DIR to be set on the portal and the workers.`, { permanent: true });
    }
    value = readSecretFile(opts.secretsDir, parsed.name, what);
    if (!value) throw new ConnectorError(`The ${what} secret ${formatSecretRef(parsed)} is empty.`);
  }
  return value;
}

/**
 * The check a save of connector settings adds to the syntax (which the catalog schema checks): a file:
 * reference needs CONNECTOR_SECRETS_DIR, and when the file exists it must stay inside the folder and be a
 * small regular file. A file that does not exist yet is accepted (the secret may be deployed after the
 * settings); it is refused at task time until it is there. Returns a problem, or null. Reads no contents.
 */
export function secretRefProblem(ref: string, opts: SecretsOptions = defaults()): string | null {
  const parsed = parseSecretRef(ref);
  if (!parsed.ok) return parsed.message;
  if (parsed.ref.kind === "env") return null;
  if (!opts.secretsDir) return `cannot be a file: reference here: CONNECTOR_SECRETS_DIR is not set on the portal (use env:WARRANT_CONNECTOR_<NAME>, or ask the operator to set the folder)`;
  const candidate = path.join(opts.secretsDir, parsed.ref.name);
  try {
    lstatSync(candidate);
  } catch {
    return null;
  }
  try {
    const real = secretFilePath(opts.secretsDir, parsed.ref.name, "connector");
    const st = lstatSync(real);
    if (!st.isFile()) return "must name a regular file in CONNECTOR_SECRETS_DIR";
    if (st.size > SECRET_FILE_MAX_BYTES) return `must name a file of at most ${SECRET_FILE_MAX_BYTES / 1024} KiB`;
  } catch (e) {
    if (e instanceof ConnectorError && /outside CONNECTOR_SECRETS_DIR/.test(e.message)) return "names a file that resolves outside CONNECTOR_SECRETS_DIR (a symbolic link out of the folder)";
    return "names a file in CONNECTOR_SECRETS_DIR that cannot be read";
  }
  return null;
}
