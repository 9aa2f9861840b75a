import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { NhiForm } from "@/components/identities/nhi-form";

export const metadata = { title: "New non-human identity" };

export default async function NewNhiPage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me?.roles.includes("ADMIN")) {
    return (
      <div className="py-10">
        <EmptyState title="You need the Admin role to create non-human identities." action={<LinkButton href="/identities?kind=NON_HUMAN" variant="secondary">Back to the directory</LinkButton>}>
          Service accounts, API keys, OAuth apps, workloads and AI agents are registered by admins. Ask an admin to register the one you need, naming yourself as its owner.
        </EmptyState>
      </div>
    );
  }
  const systems = await api.identities.systemOptions();
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        eyebrow={
          <Link href="/identities?kind=NON_HUMAN" className="hover:underline">
            ← Directory
          </Link>
        }
        title="New non-human identity"
        description="Register a service account, API key, OAuth app, workload or AI agent. Every one needs an accountable person as its owner and a stated purpose; its access is then requested, reviewed and revoked like anyone else's."
      />
      <Card>
        <NhiForm mode="create" systems={systems} />
      </Card>
    </div>
  );
}
