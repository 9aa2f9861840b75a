/**
 * Connector secrets are never stored in the catalog: a setting names an environment variable
 * (`secretRef`: "env:WEBHOOK_SECRET" or just "WEBHOOK_SECRET") and the value is read when it is needed.
 */
import { ConnectorError } from "./types";

export function resolveSecretRef(ref: string | undefined | null, what: string): string {
  if (!ref) throw new ConnectorError(`The ${what} has no secretRef configured.`);
  const name = ref.startsWith("env:") ? ref.slice(4) : ref;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConnectorError(`The ${what} secretRef "${ref}" is not an environment variable name (e.g. env:WEBHOOK_SECRET).`);
  const value = process.env[name];
  if (!value) throw new ConnectorError(`The ${what} secret is missing: set the environment variable ${name} on the portal and the worker.`);
  return value;
}
