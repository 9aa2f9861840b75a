"use client";
import { useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button, buttonClass } from "@/components/ui/button";
import { ErrorBanner, ReloadLink } from "@/components/ui/card";
import { Field, Input, Select, Textarea } from "@/components/ui/form";
import { CONNECTOR_HINT, CONNECTOR_KINDS, CONNECTOR_LABEL, connectorConfigIssues, RISK_LABEL, RISK_LEVELS } from "@/server/domain/catalog/schema";
import { OwnerPicker } from "./owner-picker";
import { readFormError, type FormError } from "./form-errors";

type Risk = (typeof RISK_LEVELS)[number];
type Connector = (typeof CONNECTOR_KINDS)[number];

export type SystemFormValues = {
  id?: string;
  updatedAt?: Date;
  name: string;
  description: string;
  ownerId: string;
  criticality: Risk;
  connector: Connector;
  connectorConfig: Record<string, unknown>;
};

/** Domain messages → the field they are about. */
const ROUTE: [RegExp, string][] = [
  [/A system named/, "name"],
  [/owner/i, "ownerId"],
  [/Connector settings/, "connectorConfig"],
];

const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** The connector's settings as form fields, per kind; secrets are referenced, never typed in. */
function toConfig(kind: Connector, f: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== "" && v !== undefined) out[k] = v;
  };
  if (kind === "MANUAL") put("instructions", f.instructions?.trim());
  if (kind === "WEBHOOK") {
    put("url", f.url?.trim());
    put("secretRef", f.secretRef?.trim());
  }
  if (kind === "POSTGRES") {
    put("database", f.database?.trim());
    put("host", f.host?.trim());
    put("port", f.port?.trim() ? Number(f.port) : undefined);
  }
  return out;
}

/** Create or edit a system (admins). Server errors are shown next to the field they concern. */
export function SystemForm({ initial, mode }: { initial?: SystemFormValues; mode: "create" | "edit" }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [ownerId, setOwnerId] = useState(initial?.ownerId ?? "");
  const [criticality, setCriticality] = useState<Risk>(initial?.criticality ?? "MEDIUM");
  const [connector, setConnector] = useState<Connector>(initial?.connector ?? "MANUAL");
  const cfg = initial?.connectorConfig ?? {};
  const [config, setConfig] = useState<Record<string, string>>({
    instructions: str(cfg.instructions),
    url: str(cfg.url),
    secretRef: str(cfg.secretRef),
    database: str(cfg.database),
    host: str(cfg.host),
    port: str(cfg.port),
  });
  const [error, setError] = useState<FormError | null>(null);
  /** Problems with individual connector settings, found before sending (the server checks again). */
  const [configIssues, setConfigIssues] = useState<Record<string, string>>({});
  const setField = (k: string) => (v: string) => setConfig((c) => ({ ...c, [k]: v }));

  const onError = (err: unknown) => setError(readFormError(err, ROUTE));
  const create = useMutation(
    trpc.catalog.createSystem.mutationOptions({
      onSuccess: (s) => {
        router.push(`/catalog/systems/${s.id}`);
        router.refresh();
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.catalog.updateSystem.mutationOptions({
      onSuccess: (s) => {
        router.push(`/catalog/systems/${s.id}`);
        router.refresh();
      },
      onError,
    }),
  );
  const pending = create.isPending || update.isPending;

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const connectorConfig = toConfig(connector, config);
    const issues = connectorConfigIssues(connector, connectorConfig);
    setConfigIssues(issues);
    if (Object.keys(issues).length > 0) {
      setError({ message: "Check the connector settings marked below.", code: "BAD_REQUEST", fields: {} });
      return;
    }
    const values = { name, description, ownerId, criticality, connector, connectorConfig };
    if (mode === "create") create.mutate(values);
    else update.mutate({ id: initial!.id!, expectedUpdatedAt: initial!.updatedAt!, ...values });
  }

  const fe = error?.fields ?? {};
  const stale = error?.code === "CONFLICT" && /changed by someone else/.test(error.message);

  return (
    <form onSubmit={submit} className="max-w-3xl space-y-5" aria-label={mode === "create" ? "New system" : "Edit system"} noValidate>
      {error && (
        <ErrorBanner title={mode === "create" ? "The system was not created" : "Your changes were not saved"}>
          {error.message}
          {stale && <ReloadLink />}
        </ErrorBanner>
      )}
      <Field label="Name" error={fe.name}>
        {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoComplete="off" />}
      </Field>
      <Field label="Description" error={fe.description} hint="What the system is for and what access to it means.">
        {(p) => <Textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />}
      </Field>
      <OwnerPicker value={ownerId} onChange={setOwnerId} error={fe.ownerId} hint="An active person, accountable for the system and its access." />
      <div className="grid gap-5 sm:grid-cols-2">
        <Field label="Criticality" error={fe.criticality}>
          {(p) => (
            <Select {...p} value={criticality} onChange={(e) => setCriticality(e.target.value as Risk)}>
              {RISK_LEVELS.map((r) => (
                <option key={r} value={r}>
                  {RISK_LABEL[r]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Connector" error={fe.connector} hint={CONNECTOR_HINT[connector]}>
          {(p) => (
            <Select {...p} value={connector} onChange={(e) => setConnector(e.target.value as Connector)}>
              {CONNECTOR_KINDS.map((k) => (
                <option key={k} value={k}>
                  {CONNECTOR_LABEL[k]}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>

      <fieldset className="space-y-4 rounded-lg border border-slate-200 bg-slate-50/60 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-800">Connector settings</legend>
        <p className="text-xs text-slate-600">Never enter a password or key here: refer to a secret kept in your secret store instead.</p>
        {fe.connectorConfig && (
          <p className="text-sm font-medium text-red-700">
            {fe.connectorConfig}
          </p>
        )}
        {connector === "MANUAL" && (
          <Field label="Instructions for the owner" error={configIssues.instructions} hint="Optional: how the owner grants and removes access by hand.">
            {(p) => <Textarea {...p} value={config.instructions} onChange={(e) => setField("instructions")(e.target.value)} maxLength={2000} />}
          </Field>
        )}
        {connector === "WEBHOOK" && (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Webhook URL" error={configIssues.url} hint="https:// (plain http only for 127.0.0.1 or localhost).">
              {(p) => <Input {...p} type="url" value={config.url} onChange={(e) => setField("url")(e.target.value)} placeholder="https://hooks.example.com/warrant" />}
            </Field>
            <Field label="Signing secret reference" error={configIssues.secretRef} hint="The name of the secret, e.g. env:WEBHOOK_SECRET.">
              {(p) => <Input {...p} value={config.secretRef} onChange={(e) => setField("secretRef")(e.target.value)} autoComplete="off" />}
            </Field>
          </div>
        )}
        {connector === "POSTGRES" && (
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Database" error={configIssues.database}>
              {(p) => <Input {...p} value={config.database} onChange={(e) => setField("database")(e.target.value)} autoComplete="off" />}
            </Field>
            <Field label="Host" error={configIssues.host} hint="Optional.">
              {(p) => <Input {...p} value={config.host} onChange={(e) => setField("host")(e.target.value)} autoComplete="off" />}
            </Field>
            <Field label="Port" error={configIssues.port} hint="Optional.">
              {(p) => <Input {...p} inputMode="numeric" value={config.port} onChange={(e) => setField("port")(e.target.value)} autoComplete="off" />}
            </Field>
          </div>
        )}
      </fieldset>

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : mode === "create" ? "Create system" : "Save changes"}
        </Button>
        <Link href={initial?.id ? `/catalog/systems/${initial.id}` : "/catalog"} className={buttonClass("secondary")}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
