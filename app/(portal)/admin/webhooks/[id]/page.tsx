import Link from "next/link";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { hasRoleIn } from "@/components/audit/roles";
import { WebhookDetail } from "@/components/admin/webhook-detail";

export const metadata = { title: "Webhook subscription" };
export const dynamic = "force-dynamic";

export default async function WebhookPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me || !hasRoleIn(me.roles, ["ADMIN", "SECURITY", "AUDITOR"])) {
    return <ErrorBanner title="You do not have access to webhooks">They are managed by admins and security and open to auditors.</ErrorBanner>;
  }
  let detail;
  try {
    detail = await api.webhooks.byId({ id });
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "BAD_REQUEST")) notFound();
    throw e;
  }
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href="/admin/webhooks" className="hover:underline">
            Webhooks
          </Link>
        }
        title={detail.subscription.name}
        description="Where this subscription stands in the ledger, what its last deliveries did, and its dead letters."
      />
      <WebhookDetail sub={detail.subscription} head={detail.head} attempts={detail.attempts} deadLetters={detail.deadLetters} canManage={hasRoleIn(me.roles, ["ADMIN", "SECURITY"])} />
    </div>
  );
}
