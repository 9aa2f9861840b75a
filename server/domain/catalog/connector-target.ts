/**
 * A system's connector target: where the worker sends access changes, and which secret it uses there.
 * Changing it redirects identities' data and the secret's use (an HMAC signature, a password) to another
 * party, so the catalog records such a change as its own ledger event, tells security and opens a finding.
 * Other settings (a manual connector's instructions) are not part of it.
 */
import type { ConnectorKind } from "../../db/generated/enums";
import { canonicalJson } from "../../ledger/hash";
import { effectiveSslMode, PG_DEFAULT_HOST, PG_DEFAULT_PORT, SSL_MODES, type SslMode } from "../../connectors/pg-target";

/**
 * WEBHOOK: the whole URL (on a shared host such as a webhook relay the path is the recipient) and the
 * signing secret. POSTGRES: where it connects, as whom, how (sslmode, CA) and with which password; unset
 * settings are shown with the value the connector uses (e.g. sslmode verify-full for a remote host), so
 * writing out a default is not a change and an implicit change of default is. SCIM: the base URL (the
 * application that receives people's names and emails) and the bearer token's reference.
 */
export type ConnectorTarget =
  | { connector: "WEBHOOK"; url: string | null; secretRef: string | null }
  | { connector: "SCIM"; baseUrl: string | null; tokenRef: string | null }
  | {
      connector: "POSTGRES";
      host: string;
      port: number;
      database: string | null;
      user: string | null;
      sslmode: SslMode;
      sslRootCertRef: string | null;
      secretRef: string | null;
    };

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);

/** The target of a connector kind and settings; null for MANUAL (a person does the change). */
export function connectorTarget(kind: ConnectorKind, config: unknown): ConnectorTarget | null {
  const c = (config && typeof config === "object" && !Array.isArray(config) ? config : {}) as Record<string, unknown>;
  if (kind === "WEBHOOK") return { connector: "WEBHOOK", url: str(c.url), secretRef: str(c.secretRef) };
  if (kind === "SCIM") return { connector: "SCIM", baseUrl: str(c.baseUrl), tokenRef: str(c.tokenRef) };
  if (kind === "POSTGRES") {
    const host = str(c.host) ?? PG_DEFAULT_HOST;
    const mode = SSL_MODES.find((m) => m === c.sslmode);
    return {
      connector: "POSTGRES",
      host,
      port: typeof c.port === "number" ? c.port : PG_DEFAULT_PORT,
      database: str(c.database),
      user: str(c.user),
      sslmode: effectiveSslMode(host, mode),
      sslRootCertRef: str(c.sslRootCertRef),
      secretRef: str(c.secretRef),
    };
  }
  return null;
}

export type TargetChange = { before: ConnectorTarget | null; after: ConnectorTarget; changed: string[] };

/**
 * The change of target between two states, or null when there is none to report: the system has no
 * target afterwards (MANUAL: nothing is sent anywhere), or the target stays the same.
 */
export function targetChange(before: ConnectorTarget | null, after: ConnectorTarget | null): TargetChange | null {
  if (!after) return null;
  if (before && canonicalJson(before) === canonicalJson(after)) return null;
  const b = (before ?? {}) as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const changed = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => canonicalJson(b[k] ?? null) !== canonicalJson(a[k] ?? null));
  return { before, after, changed };
}
