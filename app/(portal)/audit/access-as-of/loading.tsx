import { TableSkeleton } from "@/components/shell/skeletons";

export default function Loading() {
  return <TableSkeleton label="Loading access as of the date" filters={2} />;
}
