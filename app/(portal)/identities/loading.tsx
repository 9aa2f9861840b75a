import { TableSkeleton } from "@/components/shell/skeletons";

export default function Loading() {
  return <TableSkeleton label="Loading the directory" />;
}
