import Link from "next/link";
import { serverCaller } from "@/server/trpc/context";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { LinkButton } from "@/components/ui/button";
import { UploadForm } from "@/components/identity-import/upload-form";

export const metadata = { title: "Import people" };

const COLUMNS: [string, string][] = [
  ["email", "Work email: how a person is matched. Required for people, empty for non-human identities."],
  ["name", "Display name. Required."],
  ["department, title", "Optional. A new department makes the person a mover."],
  ["manager", "The manager's work email. A new manager makes the person a mover: their access goes to the new manager for review."],
  ["status", "active (default) or leaver. A leaver's access is revoked."],
  ["employee number, external id", "Optional HR identifiers, unique."],
  ["kind", "human (default), service_account, api_key, oauth_app, workload or ai_agent."],
  ["owner, purpose, expires", "Non-human identities only: the accountable person's email, what it does, the credential's expiry (YYYY-MM-DD)."],
];

export default async function ImportPeoplePage() {
  const api = await serverCaller();
  const me = await api.me.profile();
  if (!me?.roles.includes("ADMIN")) {
    return (
      <div className="py-10">
        <EmptyState title="You need the Admin role to import people." action={<LinkButton href="/identities" variant="secondary">Back to the directory</LinkButton>}>
          People come into Warrant from HR files and the identity provider, imported by admins.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeader
        eyebrow={
          <Link href="/identities" className="hover:underline">
            ← Directory
          </Link>
        }
        title="Import people"
        description="Bring people and non-human identities in from an HR export. You see every change first — joiners, movers, leavers and any invalid lines — and nothing changes until you apply it."
      />
      <Card>
        <UploadForm />
      </Card>
      <Card title="Columns">
        <p className="mb-3 text-sm text-slate-600">The first line names the columns, in any order (case, spaces and underscores do not matter). Only the columns in the file are compared: a file without a title column changes no title.</p>
        <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
          {COLUMNS.map(([name, text]) => (
            <div key={name} className="contents">
              <dt className="font-mono text-xs text-slate-900 sm:pt-0.5">{name}</dt>
              <dd className="text-slate-600">{text}</dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
