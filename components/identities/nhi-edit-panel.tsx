"use client";
import { notify } from "@/components/ui/toast";
import { useEffect, useRef, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { NhiForm, type NhiFormValues } from "./nhi-form";

/** The identity page's management card for a non-human identity (shown to admins only). */
export function NhiEditPanel({ id, updatedAt, initial, systems }: { id: string; updatedAt: Date; initial: NhiFormValues; systems: { id: string; name: string }[] }) {
  const [open, setOpen] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);

  // Move focus into the form when it opens, and back to the Edit button when it closes.
  useEffect(() => {
    if (open) body.current?.querySelector<HTMLElement>('[name="displayName"]')?.focus();
    else if (wasOpen.current) editButton.current?.focus();
    wasOpen.current = open;
  }, [open]);

  return (
    <Card
      title="Manage this identity"
      actions={
        !open && (
          <button
            ref={editButton}
            type="button"
            className={buttonClass("secondary")}
            onClick={() => setOpen(true)}
          >
            Edit
          </button>
        )
      }
    >
      <div ref={body}>
        {open ? (
          <NhiForm
            key={updatedAt.toISOString()}
            mode="edit"
            id={id}
            updatedAt={updatedAt}
            initial={initial}
            systems={systems}
            onDone={(m) => {
              if (m) notify.success(m);
              setOpen(false);
            }}
          />
        ) : (
          <p className="text-sm text-slate-600">As an admin you can rename it, hand it to another owner, record a new or rotated credential, suspend it or deprovision it.</p>
        )}
      </div>
    </Card>
  );
}
