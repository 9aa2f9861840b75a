/** The zod → fast-check translator the input fuzz relies on: it generates for every kind we use, mostly valid, and says so when it cannot. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ZListBase } from "../domain/list";
import { hostileVariants, zodArbitrary } from "./zod-arbitrary";

const ID = "6f1c1a52-3a7e-4c55-9a61-0d2a1b7c9e10";

const Kitchen = ZListBase.extend({
  id: z.uuid(),
  name: z.string().trim().min(3).max(40),
  day: z.iso.date(),
  code: z.string().regex(/^[A-Z]{3}-\d{2}$/),
  link: z.url().optional(),
  count: z.number().int().min(1).max(10),
  ratio: z.coerce.number().min(0).max(1).optional(),
  flag: z.preprocess((v) => (v === "true" ? true : v), z.boolean()).optional(),
  when: z.coerce.date(),
  at: z.date().nullable().optional(),
  kind: z.enum(["A", "B"]),
  all: z.literal(true).optional(),
  tags: z.array(z.string().max(5)).max(3).default([]),
  note: z.string().max(50).optional().transform((v) => v || undefined),
  either: z.union([z.object({ ids: z.array(z.uuid()).min(1) }).strict(), z.object({ every: z.literal(true) }).strict()]),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict();

describe("zodArbitrary", () => {
  it("generates for every kind the procedure schemas use, and mostly values the schema accepts", () => {
    const samples = fc.sample(zodArbitrary(Kitchen, { ids: [ID] }), { numRuns: 300, seed: 7 });
    const accepted = samples.filter((v) => Kitchen.safeParse(v).success).length;
    // Near misses are part of the design (one field in ~8 is off), so not all; but the valid path is exercised.
    expect(accepted).toBeGreaterThan(0);
    expect(samples.some((v) => (v as { id: string }).id === ID)).toBe(true);
    for (const field of ["id", "name", "day", "code", "count", "when", "kind", "either"]) {
      expect(samples.filter((v) => z.object({ [field]: Kitchen.shape[field as keyof typeof Kitchen.shape] }).safeParse(v).success).length, field).toBeGreaterThan(150);
    }
  });

  it("names a kind it does not know instead of skipping it", () => {
    expect(() => zodArbitrary(z.object({ n: z.bigint() }), { ids: [] })).toThrow(/"bigint" is not supported/);
    expect(() => zodArbitrary(z.tuple([z.string()]), { ids: [] })).toThrow(/"tuple" is not supported/);
  });
});

describe("hostileVariants", () => {
  it("replaces every field the schema knows, present in the base input or not, and the whole input", () => {
    const variants = hostileVariants(Kitchen, { id: ID, kind: "A" });
    const labels = variants.map((v) => v.label);
    for (const field of Object.keys(Kitchen.shape)) expect(labels.some((l) => l.startsWith(`${field}`)), field).toBe(true);
    expect(labels).toContain("name: a NUL byte");
    expect(labels).toContain("name: 1 MB of text");
    expect(labels).toContain("count: 2 147 483 648");
    expect(labels).toContain("when: 271 821 BC");
    expect(labels).toContain("tags: an object instead of a list");
    expect(labels).toContain("the whole input as null");
    // One field at a time: the others keep the base's values.
    const nul = variants.find((v) => v.label === "name: a NUL byte")!.input as Record<string, unknown>;
    expect(nul).toMatchObject({ id: ID, kind: "A", name: "incident\u0000follow-up" });
  });
});
