import { serverCaller } from "@/server/trpc/context";
import { parseListParams } from "@/server/domain/list";
import { ZListNotificationsInput } from "@/server/domain/notifications/schema";
import { PageHeader } from "@/components/ui/card";
import { NotificationsList } from "@/components/notifications/notifications-list";

export const metadata = { title: "Notifications" };

export default async function NotificationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const input = parseListParams(ZListNotificationsInput, await searchParams);
  const api = await serverCaller();
  const [page, unread] = await Promise.all([api.notifications.list(input), api.notifications.unreadCount()]);
  return (
    <div>
      <PageHeader title="Notifications" description="What needs your attention: tasks, approvals, access that is ending, and changes to your access. Sent by email too when the portal has SMTP configured." />
      <NotificationsList page={page} dir={input.dir} unread={unread} />
    </div>
  );
}
