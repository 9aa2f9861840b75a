import { EmptyState } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";

export default function CatalogNotFound() {
  return (
    <div className="py-10">
      <EmptyState title="This system or entitlement is not in the catalog." action={<LinkButton href="/catalog" variant="secondary">Back to the catalog</LinkButton>}>
        The link may be wrong, or it was never added.
      </EmptyState>
    </div>
  );
}
