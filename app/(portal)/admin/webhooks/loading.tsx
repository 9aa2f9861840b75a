import { DetailSkeleton } from "@/components/shell/skeletons";

export default function Loading() {
  return <DetailSkeleton label="Loading the webhooks" />;
}
