import { EmptyState } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";

export default function IdentityNotFound() {
  return (
    <div className="py-10">
      <EmptyState title="There is no identity with this id." action={<LinkButton href="/identities" variant="secondary">Back to the directory</LinkButton>}>
        The link may be wrong or incomplete. Search the directory by name, email or purpose instead.
      </EmptyState>
    </div>
  );
}
