import { Skeleton } from "@/components/ui/card";

export default function Loading() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading the directory">
      <Skeleton className="h-8 w-48" />
      <Skeleton className="h-4 w-[36rem] max-w-full" />
      <Skeleton className="h-9 w-72" />
      <div className="flex gap-3">
        <Skeleton className="h-10 flex-1" />
        <Skeleton className="h-10 w-32" />
        <Skeleton className="h-10 w-32" />
        <Skeleton className="h-10 w-32" />
      </div>
      <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: 8 }, (_, i) => (
          <Skeleton key={i} className="h-8 w-full" />
        ))}
      </div>
    </div>
  );
}
