/**
 * Toasts: what an action answers with (saved, approved, failed), instead of a grey line under the form.
 * One <Toaster/> is mounted in the providers (components/trpc/client.tsx). Errors about a field stay next
 * to the field; a toast carries the outcome of the action as a whole.
 */
import "./style-nonce";
import { toast } from "sonner";
import { readFormError } from "@/components/catalog/form-errors";

export { Toaster } from "sonner";

export const notify = {
  /** The action worked: a short sentence, optionally with what happens next. */
  success(message: string, description?: string) {
    toast.success(message, description ? { description } : undefined);
  },
  /** The action failed: the server's message (or a plain one when the network failed). */
  error(err: unknown, fallback?: string) {
    const message = typeof err === "string" ? err : readFormError(err).message || fallback || "That did not work. Try again.";
    toast.error(message);
  },
  info(message: string, description?: string) {
    toast(message, description ? { description } : undefined);
  },
};
