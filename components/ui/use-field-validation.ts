"use client";
/**
 * Per-field validation in the browser with the server's own zod schema (no second copy of the rules): a field's
 * problems show when the person leaves it, all of them at once (server/domain/field-errors.ts), and update as
 * they type until it is right. Submitting shows every field's problems and focuses the first. What the server
 * still refuses is shown in the same place with `showServer`, until that field is changed.
 */
import { useState } from "react";
import type { ZodType } from "zod";
import { messagesByField } from "@/server/domain/field-errors";

export type FieldValidation<F extends string> = {
  /** The message to show next to each field, or undefined. */
  errors: Partial<Record<F, string>>;
  /** Call from the field's onBlur. */
  blur: (field: F) => void;
  /** Before submitting: shows every problem; true when there is none. */
  checkAll: () => boolean;
  /** The server's per-field messages (tRPC `data.fieldErrors`), shown until the field's value changes. */
  showServer: (fieldErrors: Record<string, string> | null | undefined) => void;
};

export function useFieldValidation<F extends string>(schema: ZodType, input: Record<F, unknown> & Record<string, unknown>, fields: readonly F[]): FieldValidation<F> {
  const [touched, setTouched] = useState<ReadonlySet<F>>(() => new Set());
  const [server, setServer] = useState<{ errors: Partial<Record<F, string>>; values: Partial<Record<F, string>> }>({ errors: {}, values: {} });
  // Parsed on every render: a form's input is small, and the rules must see exactly what would be sent.
  const parsed = schema.safeParse(input);
  const problems = (parsed.success ? {} : messagesByField(parsed.error.issues, 1)) as Partial<Record<F, string>>;

  const errors: Partial<Record<F, string>> = {};
  for (const f of fields) {
    const fromServer = server.errors[f] !== undefined && server.values[f] === JSON.stringify(input[f]) ? server.errors[f] : undefined;
    const mine = touched.has(f) ? problems[f] : undefined;
    if (mine || fromServer) errors[f] = mine ?? fromServer;
  }

  return {
    errors,
    blur: (f) => setTouched((t) => (t.has(f) ? t : new Set([...t, f]))),
    checkAll: () => {
      setTouched(new Set(fields));
      const first = fields.find((f) => problems[f]);
      if (first) requestAnimationFrame(() => document.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
      return !fields.some((f) => problems[f]);
    },
    showServer: (fieldErrors) => {
      const errs: Partial<Record<F, string>> = {};
      const values: Partial<Record<F, string>> = {};
      for (const [path, message] of Object.entries(fieldErrors ?? {})) {
        const f = path.split(".")[0] as F;
        if (!fields.includes(f)) continue;
        errs[f] = errs[f] ? `${errs[f]}; ${message}` : message;
        values[f] = JSON.stringify(input[f]);
      }
      setServer({ errors: errs, values });
    },
  };
}
