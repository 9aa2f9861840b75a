import { Skeleton } from "@/components/ui/card";

/** Loading placeholder of a list page: header, toolbar (search + filters), table rows. */
export function TableSkeleton({ label, filters = 2, rows = 8 }: { label: string; filters?: number; rows?: number }) {
  return (
    <div className="space-y-4" aria-busy="true" aria-label={label}>
      <Skeleton className="h-8 w-48" />
      <Skeleton className="h-4 w-[36rem] max-w-full" />
      <div className="flex gap-3">
        <Skeleton className="h-10 flex-1" />
        {Array.from({ length: filters }, (_, i) => (
          <Skeleton key={i} className="h-10 w-32" />
        ))}
      </div>
      <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: rows }, (_, i) => (
          <Skeleton key={i} className="h-8 w-full" />
        ))}
      </div>
    </div>
  );
}

/** Loading placeholder of a detail page: header, a main column of cards and a side column. */
export function DetailSkeleton({ label }: { label: string }) {
  return (
    <div className="space-y-4" aria-busy="true" aria-label={label}>
      <Skeleton className="h-4 w-32" />
      <Skeleton className="h-8 w-96 max-w-full" />
      <Skeleton className="h-4 w-[32rem] max-w-full" />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-4">
          <Skeleton className="h-40 w-full" />
          <Skeleton className="h-64 w-full" />
        </div>
        <div className="space-y-4">
          <Skeleton className="h-32 w-full" />
          <Skeleton className="h-48 w-full" />
        </div>
      </div>
    </div>
  );
}
