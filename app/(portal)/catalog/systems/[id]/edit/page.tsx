import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { ErrorBanner, PageHeader } from "@/components/ui/card";
import { SystemForm } from "@/components/catalog/system-form";
import { orNotFound } from "../../../_lib/server";

export const metadata = { title: "Edit system" };

export default async function EditSystemPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const api = await serverCaller();
  const system = await orNotFound(api.catalog.systemById({ id }));
  if (!system.viewer.canEdit || !system.connectorConfig) {
    return (
      <ErrorBanner title="Only admins can edit systems">
        You can see this system on{" "}
        <Link href={`/catalog/systems/${system.id}`} className="font-medium underline">
          its page
        </Link>
        .
      </ErrorBanner>
    );
  }
  if (system.connector === "WARRANT_API") {
    return (
      <ErrorBanner title="The Warrant API system is built in">
        Its entitlements are the REST API&apos;s scopes and its connector is Warrant itself, so it is not edited here. See{" "}
        <Link href={`/catalog/systems/${system.id}`} className="font-medium underline">
          its page
        </Link>
        .
      </ErrorBanner>
    );
  }
  return (
    <div>
      <PageHeader
        eyebrow={
          <Link href={`/catalog/systems/${system.id}`} className="hover:underline">
            {system.name}
          </Link>
        }
        title="Edit system"
      />
      <SystemForm
        mode="edit"
        initial={{
          id: system.id,
          updatedAt: system.updatedAt,
          name: system.name,
          description: system.description,
          ownerId: system.owner.id,
          criticality: system.criticality,
          connector: system.connector,
          connectorConfig: system.connectorConfig,
          reconcileEveryHours: system.reconcileEveryHours,
        }}
      />
    </div>
  );
}
