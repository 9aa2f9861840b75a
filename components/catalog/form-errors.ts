/** Turns a failed tRPC call into what a form shows: one message, and per-field messages where known. */
import { TRPCClientError } from "@trpc/client";

export type FormError = { message: string; code: string | null; fields: Record<string, string> };

type ErrorData = { code?: string; fieldErrors?: Record<string, string> | null } | undefined;

/**
 * `route` maps a domain error's message to the field it is about (e.g. "A system named…" → name), so the
 * message is shown next to that field as well as in the banner.
 */
export function readFormError(err: unknown, route: [RegExp, string][] = []): FormError {
  if (err instanceof TRPCClientError) {
    const data = err.data as ErrorData;
    const fields: Record<string, string> = {};
    for (const [path, msg] of Object.entries(data?.fieldErrors ?? {})) fields[path.split(".")[0] || "_"] = msg;
    if (!data?.fieldErrors) {
      const hit = route.find(([re]) => re.test(err.message));
      if (hit) fields[hit[1]] = err.message;
    }
    return { message: err.message, code: data?.code ?? null, fields };
  }
  return { message: "Warrant could not save this. Check your connection and try again.", code: null, fields: {} };
}

/** The server's messages about the settings under `prefix` (e.g. "connectorConfig."), keyed by setting. */
export function nestedFieldErrors(err: unknown, prefix: string): Record<string, string> {
  if (!(err instanceof TRPCClientError)) return {};
  const out: Record<string, string> = {};
  for (const [path, msg] of Object.entries((err.data as ErrorData)?.fieldErrors ?? {})) {
    if (path.startsWith(prefix)) out[path.slice(prefix.length).split(".")[0]!] ??= msg;
  }
  return out;
}
