import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { firstValues, parseListParams } from "@/server/domain/list";
import { TASK_VIEW_LABEL, TASK_VIEWS, ZListTasksInput } from "@/server/domain/provisioning/schema";
import { Card, PageHeader } from "@/components/ui/card";
import { TasksTable } from "@/components/tasks/tasks-table";
import { BreakGlassReviews } from "@/components/tasks/break-glass-reviews";

export const metadata = { title: "Tasks" };

type SearchParams = Record<string, string | string[] | undefined>;

const EMPTY: Record<(typeof TASK_VIEWS)[number], string> = {
  awaiting: "Nothing is waiting for you: manual changes to systems you own appear here.",
  failed: "No failed provisioning: changes that keep failing appear here to retry.",
  open: "Nothing in progress.",
  done: "No completed tasks yet.",
};

function viewHref(sp: SearchParams, view: string) {
  const next = new URLSearchParams(firstValues(sp));
  next.delete("page");
  next.set("view", view);
  return `/tasks?${next.toString()}`;
}

export default async function TasksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const input = parseListParams(ZListTasksInput, sp);
  const api = await serverCaller();
  const [page, reviews] = await Promise.all([api.tasks.list(input), api.tasks.breakGlassReviews()]);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Tasks"
        description="Access changes in the systems you own. Manual systems wait for you to make the change and confirm it with a note; automated connectors retry failures with backoff, and failed changes wait here for a retry. Nothing counts as done until it is confirmed."
      />
      {reviews.length > 0 && (
        <Card title={`Break-glass reviews due (${reviews.length})`}>
          <BreakGlassReviews rows={reviews} />
        </Card>
      )}
      <nav aria-label="Task views" className="inline-flex flex-wrap rounded-lg border border-slate-200 bg-white p-1 shadow-sm">
        {TASK_VIEWS.map((v) => {
          const active = input.view === v;
          return (
            <Link
              key={v}
              href={viewHref(sp, v)}
              aria-current={active ? "page" : undefined}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
            >
              {TASK_VIEW_LABEL[v]} <span className="text-xs text-slate-500">({page.counts[v]})</span>
            </Link>
          );
        })}
      </nav>
      <TasksTable page={page} sort={input.sort} dir={input.dir} emptyMessage={EMPTY[input.view]} />
    </div>
  );
}
