"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EntitlementForm, type EntitlementFormValues } from "./entitlement-form";

/** The admin's "Edit entitlement" control on an entitlement's page: opens the form in place. */
export function EntitlementEditor({ initial, systemOwnerName }: { initial: EntitlementFormValues; systemOwnerName: string }) {
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState(false);
  if (!open) {
    return (
      <div className="flex items-center gap-3">
        <Button
          variant="secondary"
          onClick={() => {
            setSaved(false);
            setOpen(true);
          }}
        >
          Edit entitlement
        </Button>
        {saved && (
          <span role="status" className="text-sm text-emerald-700">
            Changes saved.
          </span>
        )}
      </div>
    );
  }
  return (
    <Card title="Edit entitlement">
      <EntitlementForm
        mode="edit"
        initial={initial}
        systemOwnerName={systemOwnerName}
        onSaved={() => {
          setOpen(false);
          setSaved(true);
        }}
        onCancel={() => setOpen(false)}
      />
    </Card>
  );
}
