import { EmptyState } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="py-10">
      <EmptyState title="We could not find that page." action={<LinkButton href="/" variant="secondary">Back to home</LinkButton>}>
        It may have been removed, or the link is wrong.
      </EmptyState>
    </div>
  );
}
