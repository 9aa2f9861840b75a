import { TableSkeleton } from "@/components/shell/skeletons";

export default function Loading() {
  return <TableSkeleton label="Loading delegations" filters={0} rows={4} />;
}
