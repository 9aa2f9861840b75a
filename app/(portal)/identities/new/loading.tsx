import { Skeleton } from "@/components/ui/card";

export default function Loading() {
  return (
    <div className="mx-auto max-w-3xl space-y-4" aria-busy="true" aria-label="Loading the form">
      <Skeleton className="h-8 w-72" />
      <Skeleton className="h-4 w-full" />
      <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-12 w-full" />
        ))}
      </div>
    </div>
  );
}
