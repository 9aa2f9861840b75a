/**
 * Text the portal accepts from anyone: every string of every input, before any schema or service sees it.
 * Checked once at the transport (server/trpc/init.ts) so a new procedure cannot forget it.
 *
 * Refused, with the field and the position:
 * - U+0000: PostgreSQL cannot store it in text or JSON, so it would end as a database error;
 * - unpaired surrogates: not text at all (they cannot be written as UTF-8);
 * - other control characters (C0 except TAB, LF and CR; DEL; C1): invisible, and they garble what people
 *   read in the portal, in notifications and in exported evidence;
 * - bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make text read
 *   differently from what it is ("Trojan source"), e.g. a justification that shows one thing and says
 *   another.
 * Also refused: nesting deeper than MAX_INPUT_DEPTH (an input is a small form, not a tree).
 */

export const MAX_INPUT_DEPTH = 12;

export type TextProblem = { path: (string | number)[]; message: string };

function describe(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Why a string may not be stored or shown, or null. Linear in its length. */
export function unsafeCharacter(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue; // the common case, first
    if (c === 0) return `must not contain the NUL character (U+0000, at position ${i + 1})`;
    if (c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `must not contain control characters (${describe(c)} at position ${i + 1})`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `must be valid text (an unpaired surrogate ${describe(c)} at position ${i + 1})`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `must be valid text (an unpaired surrogate ${describe(c)} at position ${i + 1})`;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      return `must not contain bidirectional override characters (${describe(c)} at position ${i + 1}): they make text read differently from what it is`;
    }
  }
  return null;
}

/**
 * The first problem in any string (or object key) inside `value`, walking it without recursion so hostile
 * nesting cannot exhaust the stack; null when everything is acceptable.
 */
export function findUnsafeText(value: unknown, maxDepth = MAX_INPUT_DEPTH): TextProblem | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === "string") {
      const m = unsafeCharacter(v);
      if (m) return { path, message: m };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (path.length >= maxDepth) return { path, message: `is nested too deeply (more than ${maxDepth} levels)` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    if (v instanceof Date) continue;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const m = unsafeCharacter(k);
      if (m) return { path: [...path, k], message: `has a field name that ${m}` };
      stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return null;
}
