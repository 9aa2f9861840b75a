"use client";
import { useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Button, buttonClass } from "@/components/ui/button";
import { ErrorBanner, ReloadLink } from "@/components/ui/card";
import { Field, Input, Select, Textarea } from "@/components/ui/form";
import { CONNECTOR_HINT, CONNECTOR_KINDS, CONNECTOR_LABEL, connectorConfigIssues, RISK_LABEL, RISK_LEVELS, ZCreateSystemInput } from "@/server/domain/catalog/schema";
import { useFieldValidation } from "@/components/ui/use-field-validation";
import { OwnerPicker } from "./owner-picker";
import { ConnectorSettingsFields, configFields, toConnectorConfig, type ConfigFields } from "./connector-settings-fields";
import { nestedFieldErrors, readFormError, type FormError } from "./form-errors";

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
  reconcileEveryHours: number;
};

/** Domain messages → the field they are about. */
const ROUTE: [RegExp, string][] = [
  [/A system named/, "name"],
  [/owner/i, "ownerId"],
  [/Connector settings/, "connectorConfig"],
];

/** The fields checked in the browser by the server's own schema (connector settings have their own check). */
const FIELDS = ["name", "description", "ownerId", "criticality", "connector", "reconcileEveryHours"] as const;

/**
 * Create or edit a system (admins). Each field is checked as the person leaves it, by the server's own schema
 * (all its problems at once); what the server still refuses is shown next to the field it concerns.
 */
export function SystemForm({ initial, mode }: { initial?: SystemFormValues; mode: "create" | "edit" }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState(initial?.name ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [ownerId, setOwnerId] = useState(initial?.ownerId ?? "");
  const [criticality, setCriticality] = useState<Risk>(initial?.criticality ?? "MEDIUM");
  const [connector, setConnector] = useState<Connector>(initial?.connector ?? "MANUAL");
  const [reconcileEveryHours, setReconcileEveryHours] = useState(String(initial?.reconcileEveryHours ?? 24));
  const [config, setConfig] = useState<ConfigFields>(() => configFields(initial?.connectorConfig ?? {}));
  const [error, setError] = useState<FormError | null>(null);
  /** Problems with individual connector settings, found before sending (the server checks again). */
  const [configIssues, setConfigIssues] = useState<Record<string, string>>({});
  const setField = (k: keyof ConfigFields) => (v: string) => setConfig((c) => ({ ...c, [k]: v }));

  const onError = (err: unknown) => {
    setError(readFormError(err, ROUTE));
    // The server's checks of a setting (e.g. a secret reference outside the namespace) go next to that setting.
    setConfigIssues(nestedFieldErrors(err, "connectorConfig."));
  };
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
  const v = useFieldValidation(ZCreateSystemInput, { name, description, ownerId, criticality, connector, connectorConfig: {}, reconcileEveryHours }, FIELDS);

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const connectorConfig = toConnectorConfig(connector, config);
    const issues = connectorConfigIssues(connector, connectorConfig);
    setConfigIssues(issues);
    if (!v.checkAll()) return;
    if (Object.keys(issues).length > 0) {
      setError({ message: "Check the connector settings marked below.", code: "BAD_REQUEST", fields: {} });
      return;
    }
    const values = { name, description, ownerId, criticality, connector, connectorConfig, reconcileEveryHours: Number(reconcileEveryHours) };
    if (mode === "create") create.mutate(values);
    else update.mutate({ id: initial!.id!, expectedUpdatedAt: initial!.updatedAt!, ...values });
  }

  // What the browser found first, then what the server said; an empty owner is a choice still to make.
  const fe: Record<string, string | undefined> = { ...error?.fields, ...v.errors };
  if (fe.ownerId && !ownerId) fe.ownerId = "Choose the person accountable for this system.";
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
        {(p) => <Input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} onBlur={() => v.blur("name")} required maxLength={100} autoComplete="off" />}
      </Field>
      <Field label="Description" error={fe.description} hint="What the system is for and what access to it means.">
        {(p) => <Textarea {...p} name="description" value={description} onChange={(e) => setDescription(e.target.value)} onBlur={() => v.blur("description")} maxLength={2000} />}
      </Field>
      <OwnerPicker value={ownerId} onChange={setOwnerId} onBlur={() => v.blur("ownerId")} error={fe.ownerId} hint="An active person, accountable for the system and its access." />
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

      <fieldset className="min-w-0 space-y-4 rounded-lg border border-slate-200 bg-slate-50/60 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-800">Connector settings</legend>
        <p className="text-xs text-slate-600">Never enter a password or key here: refer to a secret in the connector secrets namespace instead.</p>
        {fe.connectorConfig && (
          <p className="text-sm font-medium text-red-700">
            {fe.connectorConfig}
          </p>
        )}
        <ConnectorSettingsFields connector={connector} config={config} issues={configIssues} setField={setField} />
        {connector !== "MANUAL" && (
          <Field
            label="Reconcile every (hours)"
            error={fe.reconcileEveryHours}
            hint="How often Warrant compares what the system really holds with what it granted. 0: only when someone presses Reconcile now."
          >
            {(p) => (
              <Input
                {...p}
                name="reconcileEveryHours"
                type="number"
                inputMode="numeric"
                min={0}
                max={720}
                step={1}
                className="max-w-40"
                value={reconcileEveryHours}
                onChange={(e) => setReconcileEveryHours(e.target.value)}
                onBlur={() => v.blur("reconcileEveryHours")}
              />
            )}
          </Field>
        )}
        {connector !== "MANUAL" && (
          <p className="text-xs text-slate-600">Security is notified, and a finding opened for them to check, whenever the connector&apos;s target or a secret reference changes.</p>
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
