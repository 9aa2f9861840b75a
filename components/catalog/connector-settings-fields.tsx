"use client";
import { Field, Input, Select, Textarea } from "@/components/ui/form";
import { type CONNECTOR_KINDS, SECRET_REF_HINT, SSL_MODE_LABEL, SSL_MODES } from "@/server/domain/catalog/schema";

type Connector = (typeof CONNECTOR_KINDS)[number];

/** Every connector setting the form edits, as text (the form converts them with `toConnectorConfig`). */
export const CONFIG_FIELDS = ["instructions", "url", "secretRef", "database", "host", "port", "user", "sslmode", "sslRootCertRef", "baseUrl", "tokenRef"] as const;
export type ConfigFields = Record<(typeof CONFIG_FIELDS)[number], string>;

const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

export function configFields(cfg: Record<string, unknown>): ConfigFields {
  return Object.fromEntries(CONFIG_FIELDS.map((k) => [k, str(cfg[k])])) as ConfigFields;
}

/** The connector's settings from the form fields, per kind; empty fields are left out (= the default). */
export function toConnectorConfig(kind: Connector, f: ConfigFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== "" && v !== undefined) out[k] = v;
  };
  if (kind === "MANUAL") put("instructions", f.instructions.trim());
  if (kind === "WEBHOOK") {
    put("url", f.url.trim());
    put("secretRef", f.secretRef.trim());
  }
  if (kind === "SCIM") {
    put("baseUrl", f.baseUrl.trim());
    put("tokenRef", f.tokenRef.trim());
  }
  if (kind === "POSTGRES") {
    put("database", f.database.trim());
    put("host", f.host.trim());
    put("port", f.port.trim() ? Number(f.port) : undefined);
    put("user", f.user.trim());
    put("secretRef", f.secretRef.trim());
    put("sslmode", f.sslmode);
    put("sslRootCertRef", f.sslRootCertRef.trim());
  }
  return out;
}

/**
 * The settings of the chosen connector. Secrets are referenced, never typed in; a change of where the
 * connector connects, or of a secret reference, is shown to security (the hint says so).
 */
export function ConnectorSettingsFields({
  connector,
  config,
  issues,
  setField,
}: {
  connector: Connector;
  config: ConfigFields;
  issues: Record<string, string>;
  setField: (k: keyof ConfigFields) => (v: string) => void;
}) {
  if (connector === "MANUAL") {
    return (
      <Field label="Instructions for the owner" error={issues.instructions} hint="Optional: how the owner grants and removes access by hand.">
        {(p) => <Textarea {...p} value={config.instructions} onChange={(e) => setField("instructions")(e.target.value)} maxLength={2000} />}
      </Field>
    );
  }
  const secretRef = (label: string) => (
    <Field label={label} error={issues.secretRef} hint={SECRET_REF_HINT}>
      {(p) => <Input {...p} value={config.secretRef} onChange={(e) => setField("secretRef")(e.target.value)} placeholder="env:WARRANT_CONNECTOR_…" autoComplete="off" spellCheck={false} />}
    </Field>
  );
  if (connector === "WEBHOOK") {
    return (
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Webhook URL" error={issues.url} hint="https:// (plain http only for 127.0.0.1 or localhost).">
          {(p) => <Input {...p} type="url" value={config.url} onChange={(e) => setField("url")(e.target.value)} placeholder="https://hooks.example.com/warrant" />}
        </Field>
        {secretRef("Signing secret reference")}
      </div>
    );
  }
  if (connector === "SCIM") {
    return (
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="SCIM base URL" error={issues.baseUrl} hint="The application's SCIM 2.0 endpoint, before /Users and /Groups: https:// (plain http only for 127.0.0.1 or localhost).">
          {(p) => <Input {...p} type="url" value={config.baseUrl} onChange={(e) => setField("baseUrl")(e.target.value)} placeholder="https://app.example.com/scim/v2" />}
        </Field>
        <Field label="Bearer token reference" error={issues.tokenRef} hint={SECRET_REF_HINT}>
          {(p) => <Input {...p} value={config.tokenRef} onChange={(e) => setField("tokenRef")(e.target.value)} placeholder="env:WARRANT_CONNECTOR_…" autoComplete="off" spellCheck={false} />}
        </Field>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Database" error={issues.database}>
          {(p) => <Input {...p} value={config.database} onChange={(e) => setField("database")(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label="Host" error={issues.host} hint="Optional (default 127.0.0.1).">
          {(p) => <Input {...p} value={config.host} onChange={(e) => setField("host")(e.target.value)} autoComplete="off" />}
        </Field>
        <Field label="Port" error={issues.port} hint="Optional (default 5432).">
          {(p) => <Input {...p} inputMode="numeric" value={config.port} onChange={(e) => setField("port")(e.target.value)} autoComplete="off" />}
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="User" error={issues.user} hint="Optional: the role the connector logs in as (needs CREATEROLE).">
          {(p) => <Input {...p} value={config.user} onChange={(e) => setField("user")(e.target.value)} autoComplete="off" />}
        </Field>
        {secretRef("Password reference")}
        <Field label="TLS (sslmode)" error={issues.sslmode} hint="Default: verify-full, or disable for 127.0.0.1 / localhost.">
          {(p) => (
            <Select {...p} value={config.sslmode} onChange={(e) => setField("sslmode")(e.target.value)}>
              <option value="">Default</option>
              {SSL_MODES.map((m) => (
                <option key={m} value={m}>
                  {SSL_MODE_LABEL[m]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="CA certificate reference" error={issues.sslRootCertRef} hint="For verify-ca (required) and verify-full (optional: else the public roots). Same form as a secret reference.">
          {(p) => <Input {...p} value={config.sslRootCertRef} onChange={(e) => setField("sslRootCertRef")(e.target.value)} placeholder="file:…" autoComplete="off" spellCheck={false} />}
        </Field>
      </div>
    </div>
  );
}
