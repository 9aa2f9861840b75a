"use client";
/** The evidence signing key: its id and public PEM (copyable, downloadable), and how to verify a pack with it. */
import { useState } from "react";
import { Button, buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatDate } from "@/components/ui/format";

export function PublicKeyCard({ keyId, publicKeyPem, previous = [] }: { keyId: string; publicKeyPem: string; previous?: { keyId: string; registeredAt: string }[] }) {
  const [copied, setCopied] = useState<"pem" | "id" | null>(null);
  const copy = async (what: "pem" | "id") => {
    try {
      await navigator.clipboard.writeText(what === "pem" ? publicKeyPem : keyId);
      setCopied(what);
      setTimeout(() => setCopied(null), 2000);
    } catch {
      setCopied(null);
    }
  };
  return (
    <Card
      title="Signing key"
      actions={
        <a className={buttonClass("secondary")} href="/api/evidence/public-key" download="warrant-evidence.pub">
          Download public key
        </a>
      }
    >
      <div className="space-y-3 text-sm text-slate-700">
        <p>
          Every pack is signed with this Ed25519 key, and so are the checkpoints of the ledger it links to. Anyone can check a pack offline,
          without the portal or its database:
        </p>
        <pre className="overflow-x-auto rounded-md bg-slate-900 px-3 py-2 text-xs text-slate-100">
          <code>npm run evidence:verify -- pack.zip --public-key warrant-evidence.pub</code>
        </pre>
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs font-medium uppercase tracking-wide text-slate-500">Key id</span>
          <code data-testid="evidence-key-id" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-900">
            {keyId}
          </code>
          <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => copy("id")} aria-label="Copy the key id">
            {copied === "id" ? "Copied" : "Copy"}
          </Button>
        </div>
        <div>
          <div className="mb-1 flex items-center justify-between">
            <span className="text-xs font-medium uppercase tracking-wide text-slate-500">Public key (PEM)</span>
            <Button variant="ghost" className="px-2 py-1 text-xs" onClick={() => copy("pem")} aria-label="Copy the public key">
              {copied === "pem" ? "Copied" : "Copy"}
            </Button>
          </div>
          <pre data-testid="evidence-public-key" className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800">
            {publicKeyPem.trim()}
          </pre>
        </div>
        {previous.length > 0 && (
          <div data-testid="evidence-previous-keys" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2">
            <p className="font-medium text-slate-900">Earlier keys</p>
            <p className="mt-1">
              The key was rotated. Checkpoints signed before the rotation stay signed with the earlier key, and a pack anchored to one of them
              needs that key too. Download every key as one file and pass it instead:
            </p>
            <ul className="mt-1 list-inside list-disc">
              {previous.map((p) => (
                <li key={p.keyId}>
                  <code className="font-mono text-xs">{p.keyId}</code> (registered {formatDate(p.registeredAt)})
                </li>
              ))}
            </ul>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <a className={buttonClass("secondary")} href="/api/evidence/public-key?all=1" download="warrant-evidence-keys.pem">
                Download all keys
              </a>
              <code className="text-xs">npm run evidence:verify -- pack.zip --public-key warrant-evidence-keys.pem</code>
            </div>
          </div>
        )}
        <p aria-live="polite" className="sr-only">
          {copied ? "Copied to the clipboard." : ""}
        </p>
      </div>
    </Card>
  );
}
