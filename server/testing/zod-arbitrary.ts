/**
 * A small, honest translator from the zod 4 schemas of our procedure inputs to fast-check arbitraries, for the
 * input fuzz (server/trpc/input-fuzz.int.test.ts). It reads `schema._zod.def` and knows exactly the kinds the
 * project's schemas use (server/domain/*\/schema.ts): object (strict or not), string (min/max, trim, regex,
 * uuid, url, ISO date), number (int, bounds, coerce), boolean, date (coerce), enum, literal, array (min/max),
 * optional / nullable / default, union, record, unknown, and pipes (preprocess and transform: generated for
 * the input side). Any other kind throws, naming it, so a new kind in a schema is noticed, not skipped.
 *
 * Mostly valid values, with a share of near misses (one past a bound, an unknown key, a wrong enum value,
 * an impossible date) so the refusals are exercised too; refinements (`refine`, `superRefine`) are not
 * modelled: a value may fail them, which is a refusal like any other.
 *
 * `hostileVariants` builds the other half: a valid input with one field at a time replaced by text and
 * shapes that must be refused at the transport or by the schema (NUL, a bidi override, 1 MB, deep nesting,
 * wrong types).
 */
import fc from "fast-check";
import type { z } from "zod";

type Def = { type: string; [k: string]: unknown };
type Check = { check: string; [k: string]: unknown };
type AnySchema = z.ZodType & { _zod: { def: Def; optin?: "optional" } };

const defOf = (s: unknown): Def => (s as AnySchema)._zod.def;
const checksOf = (s: unknown): Check[] => ((defOf(s).checks as { _zod: { def: Check } }[] | undefined) ?? []).map((c) => c._zod.def);

export type ArbitraryOptions = {
  /** Ids that exist (drawn for uuid fields beside random uuids, so a share of calls reach real rows). */
  ids: string[];
  /** Longest string to generate (schemas allow up to 100 000 characters; the hostile variants go to 1 MB). */
  maxStringLength?: number;
  /** Longest array to generate. */
  maxArrayLength?: number;
};

/** A uuid: one of the scene's ids, or a random one, or (rarely) something that only looks like one. */
function uuidArb(o: ArbitraryOptions): fc.Arbitrary<string> {
  const real = o.ids.length ? [{ weight: 5, arbitrary: fc.constantFrom(...o.ids) }] : [];
  return fc.oneof(...real, { weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom("00000000-0000-0000-0000-000000000000", "not-a-uuid", "") });
}

const isoDay = (d: Date) => (Number.isNaN(d.getTime()) ? "2026-02-30" : d.toISOString().slice(0, 10));

function stringArb(s: unknown, o: ArbitraryOptions): fc.Arbitrary<string> {
  const def = defOf(s);
  const checks = checksOf(s);
  const format = (def.format as string | undefined) ?? (checks.find((c) => c.check === "string_format")?.format as string | undefined);
  if (format === "uuid") return uuidArb(o);
  if (format === "date") return fc.oneof(fc.date({ min: new Date("1900-01-01"), max: new Date("2200-12-31"), noInvalidDate: true }).map(isoDay), fc.constantFrom("2026-02-29", "2024-02-29", "0000-01-01", "2026-13-01"));
  if (format === "url") return fc.oneof(fc.webUrl(), fc.constantFrom("javascript:alert(1)", "https://user:pass@example.com/x", "ftp://example.com"));
  if (format === "regex") {
    const pattern = checks.find((c) => c.check === "string_format" && c.format === "regex")?.pattern as RegExp;
    return fc.oneof({ weight: 4, arbitrary: fc.stringMatching(pattern, { size: "small" }) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
  }
  if (format) throw new Error(`zod-arbitrary: string format "${format}" is not supported yet: add it`);
  const min = (checks.find((c) => c.check === "min_length")?.minimum as number | undefined) ?? 0;
  const max = (checks.find((c) => c.check === "max_length")?.maximum as number | undefined) ?? 1000;
  const cap = Math.min(max, o.maxStringLength ?? 200);
  const lengths = { minLength: Math.min(min, cap), maxLength: cap };
  // Mostly printable ASCII (what forms send), also any grapheme: accents, scripts, emoji, combining marks.
  const within = fc.oneof(fc.string({ ...lengths, unit: "grapheme-ascii" }), fc.string({ ...lengths, unit: "grapheme" }));
  const edges: string[] = [" ".repeat(Math.max(min, 1)), "%_\\'\"; DROP TABLE x; --", "Zoë 日本語 🚀\tline\nnext"];
  if (min > 0) edges.push("x".repeat(min - 1));
  if (max <= 5000) edges.push("y".repeat(max + 1), "z".repeat(max));
  return fc.oneof({ weight: 6, arbitrary: within }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
}

function numberArb(s: unknown): fc.Arbitrary<number | string> {
  const checks = checksOf(s);
  const int = checks.some((c) => c.check === "number_format" && (c.format === "safeint" || c.format === "int32"));
  const lo = checks.find((c) => c.check === "greater_than");
  const hi = checks.find((c) => c.check === "less_than");
  const min = lo ? (lo.value as number) + (lo.inclusive ? 0 : int ? 1 : Number.EPSILON) : int ? Number.MIN_SAFE_INTEGER : -1e12;
  const max = hi ? (hi.value as number) - (hi.inclusive ? 0 : int ? 1 : Number.EPSILON) : int ? Number.MAX_SAFE_INTEGER : 1e12;
  const within = int ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  const edges = [min - 1, max + 1, 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, -0, Number.NaN, Number.POSITIVE_INFINITY];
  const arb: fc.Arbitrary<number | string> = fc.oneof({ weight: 6, arbitrary: within }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
  // z.coerce.number() takes anything on the input side: numbers as text too (URL parameters).
  return defOf(s).coerce ? fc.oneof(arb, within.map(String), fc.constantFrom("abc", "", "1e400")) : arb;
}

function dateArb(s: unknown): fc.Arbitrary<unknown> {
  // The whole range JavaScript can represent, beyond PostgreSQL's (4713 BC .. 294276 AD), and the invalid date.
  const d = fc.oneof(
    { weight: 4, arbitrary: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }) },
    { weight: 2, arbitrary: fc.date({ noInvalidDate: true }) },
    { weight: 1, arbitrary: fc.constant(new Date(Number.NaN)) },
  );
  return defOf(s).coerce ? fc.oneof(d, d.map((x) => (Number.isNaN(x.getTime()) ? "not a date" : x.toISOString())), fc.integer().map((n) => n * 1000)) : d;
}

function objectArb(s: unknown, o: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const def = defOf(s);
  const shape = def.shape as Record<string, AnySchema>;
  const keys = Object.keys(shape);
  const model = Object.fromEntries(keys.map((k) => [k, zodArbitrary(shape[k]!, o)]));
  const required = keys.filter((k) => shape[k]!._zod.optin !== "optional");
  const rec = fc.record(model, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
  // Now and then a key the schema does not know (a strict object refuses it; a loose one strips it).
  return fc.oneof({ weight: 9, arbitrary: rec }, { weight: 1, arbitrary: rec.map((r) => ({ ...r, unexpected: "field" })) });
}

/** An arbitrary for the input side of `schema`. */
export function zodArbitrary(schema: unknown, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return stringArb(schema, o);
    case "number":
      return numberArb(schema);
    case "boolean":
      return fc.oneof({ weight: 9, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom("true", "false", 1) });
    case "date":
      return dateArb(schema);
    case "enum": {
      const values = Object.values(def.entries as Record<string, string>);
      return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.constantFrom("", values[0]!.toLowerCase(), "NOT_A_VALUE") });
    }
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "object":
      return objectArb(schema, o);
    case "array": {
      const checks = checksOf(schema);
      const min = (checks.find((c) => c.check === "min_length")?.minimum as number | undefined) ?? 0;
      const max = (checks.find((c) => c.check === "max_length")?.maximum as number | undefined) ?? 20;
      const cap = Math.max(min, Math.min(max, o.maxArrayLength ?? 6));
      return fc.array(zodArbitrary(def.element, o), { minLength: min, maxLength: cap });
    }
    case "optional":
      return fc.option(zodArbitrary(def.innerType, o), { nil: undefined, freq: 4 });
    case "nullable":
      return fc.option(zodArbitrary(def.innerType, o), { nil: null, freq: 4 });
    case "default":
    case "prefault":
      return fc.option(zodArbitrary(def.innerType, o), { nil: undefined, freq: 3 });
    case "union":
      return fc.oneof(...(def.options as unknown[]).map((x) => zodArbitrary(x, o)));
    case "record":
      return fc.dictionary(zodArbitrary(def.keyType, o) as fc.Arbitrary<string>, zodArbitrary(def.valueType, o), { maxKeys: 4 });
    case "unknown":
    case "any":
      return fc.jsonValue({ maxDepth: 3 });
    case "pipe": {
      // preprocess(fn, schema) = pipe(transform, schema): generate what the schema takes. schema.transform(fn) =
      // pipe(schema, transform): generate what the schema takes, before the transform.
      const input = defOf(def.in).type === "transform" ? def.out : def.in;
      return zodArbitrary(input, o);
    }
    default:
      throw new Error(`zod-arbitrary: schema kind "${def.type}" is not supported yet: add it to server/testing/zod-arbitrary.ts`);
  }
}

/**
 * `base` (a valid input) with one top-level field replaced by a value generated for it (or dropped, when it
 * may be absent): most of these pass the schema, so the services behind it are fuzzed, not only the parser.
 */
export function oneFieldVariations(schema: unknown, base: Record<string, unknown>, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const s = core(schema);
  if (defOf(s).type !== "object") return zodArbitrary(schema, o);
  const shape = defOf(s).shape as Record<string, AnySchema>;
  const keys = Object.keys(shape);
  return fc.constantFrom(...keys).chain((k) =>
    fc.option(zodArbitrary(shape[k]!, o), { nil: undefined, freq: 6 }).map((v) => {
      const out: Record<string, unknown> = { ...base };
      if (v === undefined) delete out[k];
      else out[k] = v;
      return out;
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Hostile variants

/** A value nested `depth` arrays deep (built without recursion). */
export function deepArray(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

export const ONE_MB = "a".repeat(1 << 20);

/** What replaces a string field, one at a time. */
export const HOSTILE_TEXT: [string, unknown][] = [
  ["a NUL byte", "incident\u0000follow-up"],
  ["a bidi override", "invoice \u202Egnp.exe"],
  ["1 MB of text", ONE_MB],
  ["an array nested 200 deep", deepArray(200)],
  ["a number", 42],
  ["null", null],
];

/** Unwraps optional / nullable / default / pipe to the kind that carries the value. */
function core(schema: unknown): unknown {
  let s = schema;
  for (;;) {
    const d = defOf(s);
    if (d.type === "optional" || d.type === "nullable" || d.type === "default" || d.type === "prefault") s = d.innerType;
    else if (d.type === "pipe") s = defOf(d.in).type === "transform" ? d.out : d.in;
    else return s;
  }
}

export type HostileVariant = { label: string; input: unknown };

function setAt(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container = (Array.isArray(base) ? [...base] : { ...((base as Record<string, unknown>) ?? {}) }) as Record<string | number, unknown>;
  container[head!] = setAt(container[head!], rest, value);
  return container;
}

/**
 * `base` (a valid input) with one field at a time replaced by something hostile: every field the schema
 * knows (present in `base` or not). Strings get HOSTILE_TEXT; numbers, booleans, dates and enums a string,
 * null and deep nesting; arrays an object; objects an array. The whole input is replaced too.
 */
export function hostileVariants(schema: unknown, base: unknown): HostileVariant[] {
  const out: HostileVariant[] = [
    { label: "the whole input as null", input: null },
    { label: "the whole input as an array", input: [base] },
    { label: "the whole input as text", input: "{}" },
    { label: "the whole input nested 5 000 objects deep", input: (() => { let v: unknown = {}; for (let i = 0; i < 5000; i++) v = { a: v }; return v; })() },
  ];
  const walk = (s: unknown, value: unknown, path: (string | number)[]) => {
    const c = core(s);
    const d = defOf(c);
    const at = path.join(".") || "(input)";
    const put = (label: string, v: unknown) => out.push({ label: `${at}: ${label}`, input: setAt(base, path, v) });
    switch (d.type) {
      case "string":
        for (const [label, v] of HOSTILE_TEXT) put(label, v);
        return;
      case "number":
      case "date":
        if (d.type === "number") {
          // Past a 4-byte integer column, and past what a double holds exactly.
          put("2 147 483 648", 2_147_483_648);
          put("2^53 + 2", Number.MAX_SAFE_INTEGER + 2);
          put("-2 147 483 649", -2_147_483_649);
        } else {
          // Before PostgreSQL's first day (4713 BC), and past four-digit years.
          put("271 821 BC", new Date(-8.64e15));
          put("the year 10 000", new Date("+010000-01-01T00:00:00.000Z"));
        }
      // falls through: the wrong types below apply to numbers and dates too
      case "boolean":
      case "enum":
      case "literal":
        put("text instead", "1; DROP TABLE x");
        put("null", null);
        put("an array nested 200 deep", deepArray(200));
        put("an object", { $gt: "" });
        return;
      case "array":
        put("an object instead of a list", { 0: "x", length: 1 });
        put("null", null);
        put("10 000 elements", Array.from({ length: 10_000 }, () => (Array.isArray(value) && value.length ? value[0] : "x")));
        walk(d.element, Array.isArray(value) ? value[0] : undefined, [...path, 0]);
        return;
      case "object": {
        if (path.length) {
          put("a list instead of an object", [value]);
          put("null", null);
        }
        const shape = d.shape as Record<string, unknown>;
        for (const k of Object.keys(shape)) walk(shape[k], (value as Record<string, unknown> | undefined)?.[k], [...path, k]);
        put("an unknown key with NUL in its name", { ...(value as object), ["na\u0000me"]: "x" });
        return;
      }
      case "union":
        // Hostile values for a union: those of its first option's fields (e.g. markRead's ids).
        walk((d.options as unknown[])[0], value, path);
        return;
      case "record":
        put("a key with a bidi override", { ["\u202Ekey"]: "x" });
        put("a value 200 deep", { k: deepArray(200) });
        put("a list instead", ["x"]);
        return;
      default:
        put("null", null);
        put("an array nested 200 deep", deepArray(200));
    }
  };
  walk(schema, base, []);
  return out;
}
