import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, PageHeader } from "@/components/ui/card";
import { NhiForm } from "@/components/identities/nhi-form";

export const metadata = { title: "New non-human identity or API client" };

export default async function NewNhiPage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me) return null;
  const admin = me.roles.includes("ADMIN");
  // Admins register any non-human identity; everyone else registers API clients they own (with their scopes).
  const systems = admin ? await api.identities.systemOptions() : [];
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        eyebrow={
          <Link href="/identities?kind=NON_HUMAN" className="hover:underline">
            ← Directory
          </Link>
        }
        title={admin ? "New non-human identity" : "New API client"}
        description={
          admin
            ? "Register a service account, API key, OAuth app, workload or AI agent. Every one needs an accountable person as its owner and a stated purpose; its access is then requested, reviewed and revoked like anyone else's."
            : "Register a pipeline, service or AI agent that calls Warrant's REST API. You are its accountable owner; the scopes you choose are requested in your name and decided like any access request."
        }
      />
      <Card>
        <NhiForm mode="create" systems={systems} apiClient={{ me: { id: me.id, displayName: me.displayName }, required: !admin }} />
      </Card>
    </div>
  );
}
