"use client";
import { ErrorBanner } from "@/components/ui/card";
import { Button } from "@/components/ui/button";

export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const forbidden = /FORBIDDEN|needs the|not allowed/i.test(error.message);
  return (
    <div className="mx-auto max-w-xl space-y-4 py-10">
      <ErrorBanner title={forbidden ? "You do not have access to this page" : "This page could not be loaded"}>
        {forbidden ? error.message : "Warrant could not load this page. Try again; if it keeps failing, tell your administrator"}
        {error.digest ? ` (reference ${error.digest}).` : "."}
      </ErrorBanner>
      <Button variant="secondary" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
