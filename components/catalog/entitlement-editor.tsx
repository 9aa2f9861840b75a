"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { notify } from "@/components/ui/toast";
import { EntitlementForm, type EntitlementFormValues } from "./entitlement-form";

/** The admin's "Edit entitlement" control on an entitlement's page: opens the form in place. */
export function EntitlementEditor({ initial, systemOwnerName, connector }: { initial: EntitlementFormValues; systemOwnerName: string; connector?: string }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <div className="flex items-center gap-3">
        <Button
          variant="secondary"
          onClick={() => setOpen(true)}
        >
          Edit entitlement
        </Button>
      </div>
    );
  }
  return (
    <Card title="Edit entitlement">
      <EntitlementForm
        mode="edit"
        initial={initial}
        systemOwnerName={systemOwnerName}
        connector={connector}
        onSaved={() => {
          setOpen(false);
          notify.success("Changes saved.", "The change is recorded in the evidence ledger.");
        }}
        onCancel={() => setOpen(false)}
      />
    </Card>
  );
}
