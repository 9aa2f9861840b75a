"use client";
/**
 * Choose an HR file and upload it for a preview. The file goes as the request body itself (streamed by the
 * browser, read by the server as it arrives: app/api/identity-import/upload), never through tRPC's 1 MiB
 * limit. On success the preview page opens; nothing in the directory has changed yet.
 */
import { useId, useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { notify } from "@/components/ui/toast";

export function UploadForm() {
  const router = useRouter();
  const fileId = useId();
  const fullId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [fullList, setFullList] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!file) {
      setError("Choose a CSV file first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const qs = new URLSearchParams({ fileName: file.name, ...(fullList ? { fullList: "1" } : {}) });
      const res = await fetch(`/api/identity-import/upload?${qs}`, { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
      const body = (await res.json().catch(() => ({}))) as { id?: string; error?: string };
      if (!res.ok || !body.id) {
        setError(body.error ?? `The upload failed (${res.status}). Try again.`);
        return;
      }
      router.push(`/identities/import/${body.id}`);
    } catch {
      notify.error("The upload did not reach Warrant. Check the connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-describedby={error ? `${fileId}-error` : undefined}>
      <div>
        <label htmlFor={fileId} className="block text-sm font-medium text-slate-900">
          HR file (CSV)
        </label>
        <input
          id={fileId}
          name="file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          className="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-50"
        />
        <p className="mt-1 text-xs text-slate-500">One line per person or non-human identity; up to 200,000 lines and 64 MiB.</p>
      </div>
      <div className="flex items-start gap-2">
        <input id={fullId} type="checkbox" checked={fullList} onChange={(e) => setFullList(e.target.checked)} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
        <label htmlFor={fullId} className="text-sm text-slate-700">
          <span className="font-medium text-slate-900">This file is the full list of people.</span> Everyone active in Warrant who is not in it becomes a leaver (their access is revoked). Leave it unticked for a partial file: then only rows with status <code>leaver</code> make leavers.
        </label>
      </div>
      {error && (
        <p id={`${fileId}-error`} role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <Button type="submit" disabled={busy}>
        {busy ? "Reading the file…" : "Preview changes"}
      </Button>
    </form>
  );
}
