/**
 * The server's log: one JSON object per line on stderr, filtered by LOG_LEVEL. Nothing a person sees is
 * taken from here; an unexpected error is answered with a generic message and the id of its log line
 * (`logUnexpected`), so an operator can find the stack without the caller ever seeing it.
 */
import { randomUUID } from "node:crypto";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const l = process.env.LOG_LEVEL as Level | undefined;
  return ORDER[l && l in ORDER ? l : "info"];
}

function write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (ORDER[level] < threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  process.stderr.write(`${line}\n`);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};

/** The message a caller gets for an error we did not expect: no stack, no SQL, just the id to quote. */
export function unexpectedMessage(errorId: string): string {
  return `Something went wrong on the server. Nothing was changed by this call. If it happens again, give the administrator this error id: ${errorId}.`;
}

/**
 * Logs an unexpected error with its stack under a fresh id and returns the id. `where` names the entry
 * point (a tRPC path, a route) so the log line says what was being done.
 */
export function logUnexpected(e: unknown, where: string, fields: Record<string, unknown> = {}): string {
  const errorId = randomUUID();
  const err = e instanceof Error ? e : new Error(String(e));
  write("error", "unexpected error", { errorId, where, name: err.name, message: err.message, stack: err.stack, ...fields });
  return errorId;
}
