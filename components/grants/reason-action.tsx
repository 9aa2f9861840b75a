"use client";
import { notify } from "@/components/ui/toast";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Button, buttonClass } from "@/components/ui/button";
import { Field, Textarea } from "@/components/ui/form";
import { readFormError } from "@/components/catalog/form-errors";

export type ReasonSubmit = { label: string; variant?: "primary" | "secondary" | "danger"; run: (text: string) => Promise<unknown>; /** The toast after it worked. */ done?: string };

/**
 * A button that opens a small inline form asking for a reason or note (5–1000 characters), then runs one
 * of the given actions with it. The server's message is shown in place; focus moves into the form and back.
 */
export function ReasonAction({
  trigger,
  triggerVariant = "secondary",
  label,
  hint,
  submits,
  onDone,
  children,
}: {
  trigger: string;
  triggerVariant?: "primary" | "secondary" | "danger" | "ghost";
  label: string;
  hint?: ReactNode;
  submits: ReasonSubmit[];
  onDone?: () => void;
  children?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    if (open) area.current?.querySelector("textarea")?.focus();
    else if (wasOpen.current) button.current?.focus();
    wasOpen.current = open;
  }, [open]);

  if (!open) {
    return (
      <button ref={button} type="button" className={buttonClass(triggerVariant, "px-2 py-1 text-xs")} onClick={() => setOpen(true)}>
        {trigger}
      </button>
    );
  }
  const tooShort = text.trim().length < 5;
  return (
    <div ref={area} className="w-72 space-y-2 rounded-md border border-slate-200 bg-white p-3 text-left shadow-sm">
      {children}
      <Field label={label} hint={hint ?? "5 to 1000 characters."} error={error}>
        {(p) => <Textarea {...p} value={text} maxLength={1000} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <div className="flex flex-wrap gap-2">
        {submits.map((s) => (
          <Button
            key={s.label}
            variant={s.variant ?? "primary"}
            className="px-2 py-1 text-xs"
            disabled={busy || tooShort}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await s.run(text.trim());
                notify.success(s.done ?? `${s.label}: done.`);
                setOpen(false);
                setText("");
                onDone?.();
              } catch (e) {
                setError(readFormError(e).message);
              } finally {
                setBusy(false);
              }
            }}
          >
            {s.label}
          </Button>
        ))}
        <Button variant="ghost" className="px-2 py-1 text-xs" disabled={busy} onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
