"use client";
/**
 * An API client's access to Warrant's REST API, on its identity page: the scopes it holds now (grants with
 * their expiry), scope requests being decided, and its tokens (prefix, state, last use). Its owner (or an
 * admin) requests another scope, issues a token once it holds a scope (shown once), rotates and revokes;
 * security and auditors read. Tokens are never shown again: only prefixes, states and dates.
 */
import Link from "next/link";
import { createContext, useContext, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useTRPC } from "@/components/trpc/client";
import { DataTable } from "@/components/data-table/data-table";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { notify } from "@/components/ui/toast";
import { ReasonAction } from "@/components/grants/reason-action";
import { readFormError } from "@/components/catalog/form-errors";
import { DEFAULT_OVERLAP_HOURS, type ApiTokenState } from "@/server/domain/api-tokens/schema";
import { RequestScopeForm, type ScopeChoice } from "./request-scope-form";

type TokenRow = { id: string; prefix: string; state: ApiTokenState; createdAt: Date; expiresAt: Date; lastUsedAt: Date | null; revokedAt: Date | null; overlapUntil: Date | null };
type GrantRow = { grantId: string; scope: string; status: string; startsAt: Date; expiresAt: Date | null; inEffect: boolean };

export type ApiClientPanelData = {
  id: string;
  displayName: string;
  credentialExpiresAt: Date | null;
  scopes: string[];
  grants: GrantRow[];
  pending: { requestId: string; scope: string; createdAt: Date; durationHours: number }[];
  tokens: TokenRow[];
  requestable: ScopeChoice[];
  viewer: { canManage: boolean; isOwner: boolean };
};

type Revealed = { token: string; prefix: string; expiresAt: Date };

const STATE: Record<ApiTokenState, { label: string; tone: Tone }> = {
  active: { label: "Active", tone: "green" },
  overlap: { label: "Rotated (still valid)", tone: "amber" },
  replaced: { label: "Rotated out", tone: "slate" },
  expired: { label: "Expired", tone: "slate" },
  revoked: { label: "Revoked", tone: "red" },
};

/** What the row actions need (columns are module-level constants, so they read it from context). */
const PanelCtx = createContext<{ canManage: boolean; reveal: (r: Revealed) => void }>({ canManage: false, reveal: () => undefined });

function TokenActions({ row }: { row: TokenRow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { canManage, reveal } = useContext(PanelCtx);
  const rotate = useMutation(trpc.apiClients.rotateToken.mutationOptions());
  const revoke = useMutation(trpc.apiClients.revokeToken.mutationOptions());
  const [error, setError] = useState<string | null>(null);
  if (!canManage || row.state === "revoked" || row.state === "expired" || row.state === "replaced") return null;
  return (
    <div className="flex flex-col items-start gap-2">
      {row.state === "active" && (
        <Button
          variant="secondary"
          className="px-2 py-1 text-xs"
          disabled={rotate.isPending}
          onClick={async () => {
            setError(null);
            try {
              const t = await rotate.mutateAsync({ tokenId: row.id, overlapHours: DEFAULT_OVERLAP_HOURS });
              reveal({ token: t.token, prefix: t.prefix, expiresAt: t.expiresAt });
              notify.success("Token rotated.", "The old one works for one more day. Copy the new one now: it is shown once.");
              router.refresh();
            } catch (e) {
              setError(readFormError(e).message);
            }
          }}
        >
          Rotate
        </Button>
      )}
      {error && <p className="text-xs text-red-700">{error}</p>}
      <ReasonAction
        trigger="Revoke…"
        triggerVariant="danger"
        label="Why revoke this token?"
        hint="It stops working at once. Kept in the evidence ledger. 5 to 1000 characters."
        submits={[{ label: "Revoke now", variant: "danger", run: (reason) => revoke.mutateAsync({ tokenId: row.id, reason }), done: "Token revoked." }]}
        onDone={() => router.refresh()}
      />
    </div>
  );
}

const tcol = createColumnHelper<TokenRow>();
const dash = <span className="text-slate-500">—</span>;
const tokenColumns = [
  tcol.accessor("prefix", { header: "Token", enableSorting: false, meta: { card: "title" }, cell: (c) => <code className="text-xs">{c.getValue()}…</code> }),
  tcol.accessor("state", {
    header: "State",
    enableSorting: false,
    meta: { card: "subtitle" },
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="space-y-1">
          <Badge tone={STATE[r.state].tone}>{STATE[r.state].label}</Badge>
          {r.state === "overlap" && r.overlapUntil && <p className="text-xs text-slate-600">until {formatDateTime(r.overlapUntil)}</p>}
        </div>
      );
    },
  }),
  tcol.accessor("createdAt", { header: "Issued", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  tcol.accessor("lastUsedAt", { header: "Last used", enableSorting: false, cell: (c) => (c.getValue() ? formatDateTime(c.getValue()) : dash) }),
  tcol.accessor("expiresAt", { header: "Expires", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  tcol.display({ id: "actions", header: "Action", meta: { card: "action" }, cell: (c) => <TokenActions row={c.row.original} /> }),
];

const gcol = createColumnHelper<GrantRow>();
const grantColumns = [
  gcol.accessor("scope", { header: "Scope", enableSorting: false, meta: { card: "title" }, cell: (c) => <code className="text-sm">{c.getValue()}</code> }),
  gcol.accessor("inEffect", {
    header: "State",
    enableSorting: false,
    meta: { card: "subtitle" },
    cell: (c) => (c.getValue() ? <Badge tone="green">In effect</Badge> : <Badge tone="slate">{c.row.original.status.toLowerCase().replace(/_/g, " ")}</Badge>),
  }),
  gcol.accessor("startsAt", { header: "Since", enableSorting: false, cell: (c) => formatDate(c.getValue()) }),
  gcol.accessor("expiresAt", { header: "Expires", enableSorting: false, cell: (c) => (c.getValue() ? formatDateTime(c.getValue()!) : dash) }),
];

function RevealedToken({ revealed, onClose }: { revealed: Revealed; onClose: () => void }) {
  return (
    <div role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-4">
      <h3 className="font-semibold text-slate-900">New token: copy it now</h3>
      <p className="mt-1 text-sm text-slate-700">
        It is shown once and stored only as a hash. Send it as <code>Authorization: Bearer …</code> to <code>/api/v1</code>. It expires on {formatDate(revealed.expiresAt)}, or earlier when the client
        holds no scope any more.
      </p>
      <label className="mt-3 block text-sm font-medium text-slate-800" htmlFor="api-new-token">
        Token
      </label>
      <input id="api-new-token" readOnly value={revealed.token} onFocus={(e) => e.currentTarget.select()} className="mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900" />
      <div className="mt-3 flex gap-2">
        <Button variant="secondary" onClick={() => navigator.clipboard?.writeText(revealed.token).then(() => notify.success("Token copied."))}>
          Copy
        </Button>
        <Button variant="ghost" onClick={onClose}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

export function ApiClientPanel({ client }: { client: ApiClientPanelData }) {
  const trpc = useTRPC();
  const router = useRouter();
  const issue = useMutation(trpc.apiClients.issueToken.mutationOptions());
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [issueError, setIssueError] = useState<string | null>(null);
  const { canManage } = client.viewer;
  const hasCurrent = client.tokens.some((t) => t.state === "active");

  async function onIssue() {
    setIssueError(null);
    try {
      const t = await issue.mutateAsync({ identityId: client.id });
      setRevealed({ token: t.token, prefix: t.prefix, expiresAt: t.expiresAt });
      notify.success("Token issued.", "Copy it now: it is shown once.");
      router.refresh();
    } catch (e) {
      setIssueError(readFormError(e).message);
    }
  }

  return (
    <PanelCtx.Provider value={{ canManage, reveal: setRevealed }}>
      <Card title="API access (/api/v1)">
        <p className="mb-3 text-sm text-slate-700">
          {client.scopes.length ? (
            <>
              Calls made with this client&apos;s token may use: {client.scopes.map((s) => <code key={s} className="mr-2">{s}</code>)}
            </>
          ) : (
            "This client holds no API scope right now: its tokens are refused until a scope is granted."
          )}
        </p>
        <DataTable label="API scopes of this client" columns={grantColumns} rows={client.grants} total={client.grants.length} page={1} size={Math.max(client.grants.length, 1)} emptyMessage="No scope has been granted yet." />
        {client.pending.length > 0 && (
          <div className="mt-4">
            <h3 className="text-sm font-semibold text-slate-800">Being decided</h3>
            <ul className="mt-1 space-y-1 text-sm">
              {client.pending.map((p) => (
                <li key={p.requestId}>
                  <code>{p.scope}</code> for {Math.round(p.durationHours / 24) || 1} day(s), asked {formatDate(p.createdAt)} ·{" "}
                  <Link href={`/requests/${p.requestId}`} className="text-brand-700 hover:underline">
                    follow the request
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        )}
        {canManage && client.requestable.length > 0 && <RequestScopeForm clientId={client.id} choices={client.requestable} credentialExpiresAt={client.credentialExpiresAt} />}
      </Card>
      <Card title="Tokens" className="mt-6">
        {revealed && <RevealedToken revealed={revealed} onClose={() => setRevealed(null)} />}
        {canManage && !hasCurrent && (
          <div className="mb-4 flex flex-wrap items-center gap-3">
            <Button onClick={onIssue} disabled={issue.isPending || client.scopes.length === 0}>
              Issue a token
            </Button>
            {client.scopes.length === 0 && <span className="text-sm text-slate-600">A token is issued once the client holds a scope.</span>}
            {issueError && <p className="text-sm text-red-700">{issueError}</p>}
          </div>
        )}
        <DataTable label="Tokens of this client" columns={tokenColumns} rows={client.tokens} total={client.tokens.length} page={1} size={Math.max(client.tokens.length, 1)} emptyMessage="No token issued yet." />
      </Card>
    </PanelCtx.Provider>
  );
}

