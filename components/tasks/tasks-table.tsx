"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, KindBadge, StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/format";
import { useTRPC } from "@/components/trpc/client";
import { ReasonAction } from "@/components/grants/reason-action";
import { readFormError } from "@/components/catalog/form-errors";
import type { Page } from "@/server/domain/list";
import type { TaskRow } from "@/server/domain/provisioning/queries";
import { CONNECTOR_LABEL } from "@/server/domain/catalog/schema";

const col = createColumnHelper<TaskRow>();

function ConfirmActions({ task }: { task: TaskRow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const confirm = useMutation(trpc.tasks.confirm.mutationOptions());
  const verb = task.action === "GRANT" ? "granted" : "removed";
  return (
    <ReasonAction
      trigger="Confirm…"
      triggerVariant="primary"
      label={`What did you do? (${task.entitlement.externalRef ? `“${task.entitlement.externalRef}”` : task.entitlement.name})`}
      hint="Kept as the receipt of this change. 5 to 1000 characters."
      submits={[
        { label: `Done: access ${verb}`, variant: "primary", run: (note) => confirm.mutateAsync({ taskId: task.id, note, outcome: "DONE" }) },
        { label: "Could not do it", variant: "danger", run: (note) => confirm.mutateAsync({ taskId: task.id, note, outcome: "FAILED" }) },
      ]}
      onDone={() => router.refresh()}
    >
      {task.system.instructions && <p className="text-xs text-slate-600">{task.system.instructions}</p>}
    </ReasonAction>
  );
}

function RetryAction({ task }: { task: TaskRow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const retry = useMutation(trpc.tasks.retry.mutationOptions());
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-1">
      <Button
        variant="secondary"
        className="px-2 py-1 text-xs"
        disabled={retry.isPending}
        onClick={() => {
          setError(null);
          retry.mutate({ taskId: task.id }, { onSuccess: () => router.refresh(), onError: (e) => setError(readFormError(e).message) });
        }}
      >
        Retry
      </Button>
      {error && (
        <p role="alert" className="max-w-56 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

const columns = [
  col.accessor((r) => r.entitlement.name, {
    id: "entitlement",
    header: "Change",
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="min-w-48">
          <p className="font-medium text-slate-900">
            <Badge tone={r.action === "GRANT" ? "green" : "red"}>{r.action === "GRANT" ? "Grant" : "Remove"}</Badge>{" "}
            <Link href={`/catalog/entitlements/${r.entitlement.id}`} className="text-brand-700 hover:underline">
              {r.entitlement.name}
            </Link>
          </p>
          <p className="text-xs text-slate-500">
            {r.system.name} · {CONNECTOR_LABEL[r.connector as keyof typeof CONNECTOR_LABEL] ?? r.connector}
            {r.entitlement.externalRef ? ` · ${r.entitlement.externalRef}` : ""}
          </p>
          {r.grant.revocationNote && r.action === "REVOKE" && <p className="text-xs text-slate-500">Why: {r.grant.revocationNote}</p>}
        </div>
      );
    },
  }),
  col.accessor((r) => r.identity.displayName, {
    id: "identity",
    header: "For",
    enableSorting: false,
    cell: (c) => (
      <span className="inline-flex items-center gap-2">
        <Link href={`/identities/${c.row.original.identity.id}`} className="text-brand-700 hover:underline">
          {c.getValue()}
        </Link>
        {c.row.original.identity.kind !== "HUMAN" && <KindBadge kind={c.row.original.identity.kind} />}
      </span>
    ),
  }),
  col.accessor("status", {
    header: "Status",
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="space-y-1">
          <StatusBadge status={r.status} />
          {r.lastError && r.status !== "DONE" && <p className="max-w-72 break-words text-xs text-red-700">{r.lastError}</p>}
          {r.confirmNote && <p className="max-w-72 text-xs text-slate-600">Note: {r.confirmNote}</p>}
        </div>
      );
    },
  }),
  col.accessor("attempts", { header: "Attempts" }),
  col.accessor("createdAt", { header: "Queued", cell: (c) => formatDateTime(c.getValue()) }),
  col.accessor("nextAttemptAt", {
    header: "Next attempt",
    cell: (c) => (c.row.original.status === "PENDING" ? formatDateTime(c.getValue()) : <span className="text-slate-400">—</span>),
  }),
  col.display({
    id: "actions",
    header: "Action",
    cell: (c) => {
      const r = c.row.original;
      if (!r.canAct) return null;
      if (r.status === "AWAITING_CONFIRMATION") return <ConfirmActions task={r} />;
      if (r.status === "FAILED") return <RetryAction task={r} />;
      return null;
    },
  }),
];

export function TasksTable({ page, sort, dir, emptyMessage }: { page: Page<TaskRow>; sort?: string; dir: "asc" | "desc"; emptyMessage: string }) {
  return (
    <DataTable
      label="Provisioning tasks"
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={page.page}
      size={page.size}
      sort={sort}
      dir={dir}
      searchPlaceholder="Search by person, entitlement or system…"
      emptyMessage={emptyMessage}
    />
  );
}
