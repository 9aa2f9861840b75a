import { Skeleton } from "@/components/ui/card";

/** Skeleton for the catalog's tables while the server renders them. */
export default function Loading() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading the catalog">
      <Skeleton className="h-8 w-48" />
      <Skeleton className="h-4 w-[32rem] max-w-full" />
      <div className="flex gap-3 pt-2">
        <Skeleton className="h-9 flex-1" />
        <Skeleton className="h-9 w-32" />
        <Skeleton className="h-9 w-32" />
      </div>
      <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: 8 }, (_, i) => (
          <Skeleton key={i} className="h-6 w-full" />
        ))}
      </div>
    </div>
  );
}
