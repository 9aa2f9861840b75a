import { TableSkeleton } from "@/components/shell/skeletons";

export default function Loading() {
  return <TableSkeleton label="Loading the request form" filters={2} />;
}
