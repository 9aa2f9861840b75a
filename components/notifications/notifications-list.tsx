"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table/data-table";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/format";
import { useTRPC } from "@/components/trpc/client";
import { notify } from "@/components/ui/toast";
import type { Page } from "@/server/domain/list";
import type { NotificationRow } from "@/server/domain/notifications/queries";

const col = createColumnHelper<NotificationRow>();

function MarkRead({ id }: { id: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mark = useMutation(trpc.notifications.markRead.mutationOptions());
  return (
    <Button variant="ghost" className="px-2 py-1 text-xs" disabled={mark.isPending} onClick={() => mark.mutate({ ids: [id] }, { onSuccess: () => router.refresh() })}>
      Mark read
    </Button>
  );
}

function OpenLink({ row }: { row: NotificationRow }) {
  const trpc = useTRPC();
  const mark = useMutation(trpc.notifications.markRead.mutationOptions());
  if (!row.link) return null;
  return (
    <Link href={row.link} onClick={() => !row.readAt && mark.mutate({ ids: [row.id] })} className="text-sm font-medium text-brand-700 hover:underline">
      Open
    </Link>
  );
}

const columns = [
  col.accessor("title", {
    header: "Notification",
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="max-w-2xl whitespace-normal">
          <p className={`${r.readAt ? "text-slate-700" : "font-semibold text-slate-900"}`}>
            {!r.readAt && <span className="sr-only">Unread: </span>}
            {r.title} {!r.readAt && !r.resolvedAt && <Badge tone="blue">New</Badge>}
            {r.resolvedAt && (
              <Badge tone="green" title={`The work it pointed to was done ${formatDateTime(r.resolvedAt)}`}>
                Done
              </Badge>
            )}
          </p>
          <p className="text-sm text-slate-600">{r.body}</p>
        </div>
      );
    },
  }),
  col.accessor("createdAt", { header: "When", cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue())}</span> }),
  col.display({
    id: "actions",
    header: "",
    cell: (c) => (
      <span className="flex items-center gap-2">
        <OpenLink row={c.row.original} />
        {!c.row.original.readAt && <MarkRead id={c.row.original.id} />}
      </span>
    ),
  }),
];

export function NotificationsList({ page, dir, unread }: { page: Page<NotificationRow>; dir: "asc" | "desc"; unread: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const markAll = useMutation(trpc.notifications.markRead.mutationOptions());
  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-3">
        <p className="text-sm text-slate-600" aria-live="polite">
          {unread === 0 ? "All caught up." : `${unread} unread.`}
        </p>
        <Button
          variant="secondary"
          disabled={unread === 0 || markAll.isPending}
          onClick={() =>
            markAll.mutate(
              { all: true },
              {
                onSuccess: (r) => {
                  notify.success(r.updated === 1 ? "1 notification marked read." : `${r.updated} notifications marked read.`);
                  router.refresh();
                },
                onError: (e) => notify.error(e),
              },
            )
          }
        >
          Mark all as read
        </Button>
      </div>
      <DataTable
        label="Notifications"
        columns={columns}
        rows={page.rows}
        total={page.total}
        page={page.page}
        size={page.size}
        sort="createdAt"
        dir={dir}
        searchPlaceholder="Search notifications…"
        filters={[
          { key: "state", label: "Work", allLabel: "Open", options: [{ value: "done", label: "Done" }, { value: "all", label: "Open and done" }] },
          { key: "unread", label: "Show", options: [{ value: "true", label: "Unread only" }, { value: "false", label: "Read only" }] },
        ]}
        emptyMessage="Nothing open. Notifications whose work was done are under Work: Done."
      />
    </div>
  );
}
