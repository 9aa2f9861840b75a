/**
 * The syntax of a connector secret reference, shared by the catalog's input checks (browser and server)
 * and by resolution in the worker (`secrets.ts`). Pure: no Node imports, so client components may use it.
 *
 * A connector secret lives in a namespace of its own, never among the portal's own settings:
 *   env:WARRANT_CONNECTOR_<NAME>   an environment variable whose name carries the fixed prefix
 *   file:<name>                    a plain file name inside CONNECTOR_SECRETS_DIR (unset = refused)
 * The portal's own settings (DATABASE_URL, NEXTAUTH_SECRET, OIDC_CLIENT_SECRET, SMTP_URL, ...) never carry
 * the prefix, so no reference can name them, whatever an admin types.
 */

export const CONNECTOR_ENV_PREFIX = "WARRANT_CONNECTOR_";
export const SECRET_REF_MAX = 200;

/** What an admin may type, in one sentence (form hints and error messages). */
export const SECRET_REF_RULE = `must be env:${CONNECTOR_ENV_PREFIX}<NAME> (an environment variable whose name starts with ${CONNECTOR_ENV_PREFIX}) or file:<name> (a file in CONNECTOR_SECRETS_DIR)`;

export type SecretRef = { kind: "env"; name: string } | { kind: "file"; name: string };

const ENV_NAME = new RegExp(`^${CONNECTOR_ENV_PREFIX}[A-Z0-9][A-Z0-9_]{0,99}$`);
// A plain file name: no "/" (so no folders and no absolute paths), no leading "." (no hidden files, no
// "." or ".."), and no ".." anywhere, so the name alone can never leave the folder. Symlinks are checked
// against the folder's real path when the file is read.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Parses a reference. On refusal the message says what is allowed, and never repeats the input: a
 * legacy row may hold a secret typed in by mistake, and the message ends up in task errors and logs.
 */
export function parseSecretRef(raw: string): { ok: true; ref: SecretRef } | { ok: false; message: string } {
  const ref = raw.trim();
  if (ref.length > SECRET_REF_MAX) return { ok: false, message: `${SECRET_REF_RULE}; at most ${SECRET_REF_MAX} characters` };
  if (ref.startsWith("env:")) {
    const name = ref.slice(4);
    if (ENV_NAME.test(name)) return { ok: true, ref: { kind: "env", name } };
    if (name.startsWith(CONNECTOR_ENV_PREFIX)) {
      return { ok: false, message: `must be env:${CONNECTOR_ENV_PREFIX}<NAME> with a <NAME> of upper-case letters, digits and _ (at most 100)` };
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return {
        ok: false,
        message: `must name an environment variable that starts with ${CONNECTOR_ENV_PREFIX} (e.g. env:${CONNECTOR_ENV_PREFIX}PAYMENTS_WEBHOOK_SECRET, upper case, digits and _): the portal's own settings can never be connector secrets`,
      };
    }
    return { ok: false, message: SECRET_REF_RULE };
  }
  if (ref.startsWith("file:")) {
    const name = ref.slice(5);
    if (FILE_NAME.test(name) && !name.includes("..")) return { ok: true, ref: { kind: "file", name } };
    return { ok: false, message: "must be file:<name> with a plain file name in CONNECTOR_SECRETS_DIR (letters, digits, '.', '_', '-'; no '/', no '..', not starting with '.')" };
  }
  return { ok: false, message: SECRET_REF_RULE };
}

export function formatSecretRef(ref: SecretRef): string {
  return `${ref.kind}:${ref.name}`;
}
