/**
 * Reproducible random samples of a control check's population, for auditors who test a sample by hand.
 *
 * Algorithm (documented in every CSV so anyone can reproduce it):
 *   1. the population's ids, sorted ascending (byte order of the id strings);
 *   2. the PRNG mulberry32 seeded with the recorded unsigned 32-bit seed;
 *   3. a partial Fisher–Yates shuffle: for i = 0 … n−1, j = i + floor(rand() × (size − i)), swap i and j;
 *   4. the sample is the first n ids, in that order.
 * Same population + same seed + same n ⇒ same sample.
 */
import { randomInt } from "node:crypto";
import type { Tx } from "../../db";
import { csvLine } from "../campaigns/report";
import { controlPopulation, type ControlRow } from "./controls";
import type { ControlId } from "./schema";

/** mulberry32: a small, well-known 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws n items from `sortedIds` (already sorted) with the documented algorithm. */
export function drawSample<T>(sorted: T[], n: number, seed: number): T[] {
  const a = sorted.slice();
  const rand = mulberry32(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

export const SAMPLE_ALGORITHM = "mulberry32(seed) partial Fisher-Yates over population ids sorted ascending; first n";

export type ControlSample = {
  check: { id: ControlId; title: string };
  definition: string;
  seed: number;
  n: number;
  populationCount: number;
  algorithm: string;
  generatedAt: Date;
  scope: { from: string | null; to: string | null; systemNames: string[] };
  rows: ControlRow[];
};

export async function sampleControlPopulation(
  db: Tx,
  input: { check: ControlId; n: number; seed?: number; from?: string; to?: string; systemNames?: string[] },
  now: Date,
): Promise<ControlSample> {
  const seed = input.seed ?? randomInt(0, 0xffffffff);
  const pop = await controlPopulation(db, input.check, { from: input.from, to: input.to, systemNames: input.systemNames, now });
  return {
    check: pop.check,
    definition: pop.definition,
    seed,
    n: input.n,
    populationCount: pop.rows.length,
    algorithm: SAMPLE_ALGORITHM,
    generatedAt: now,
    scope: { from: input.from ?? null, to: input.to ?? null, systemNames: input.systemNames ?? [] },
    rows: drawSample(pop.rows, input.n, seed),
  };
}

/** The sample as CSV: "#" header lines (check, population, seed, n, algorithm), then one row per member. */
export function sampleCsv(s: ControlSample): string {
  const head = [
    `# Warrant control-check sample`,
    `# check: ${s.check.id} — ${s.check.title}`,
    `# population: ${s.populationCount} — ${s.definition}`,
    `# scope: from ${s.scope.from ?? "(any)"} to ${s.scope.to ?? "(any)"}; systems ${s.scope.systemNames.length ? s.scope.systemNames.join(", ") : "(all)"}`,
    `# seed: ${s.seed}`,
    `# n: ${s.n} (drawn: ${s.rows.length})`,
    `# algorithm: ${s.algorithm}`,
    `# generated at: ${s.generatedAt.toISOString()}`,
  ]
    .map((l) => l.replace(/[\r\n]+/g, " "))
    .join("\r\n");
  return `${head}\r\n${csvLine(["position", "id", "subject", "detail", "exception_or_flag"])}${s.rows.map((r, i) => csvLine([i + 1, r.id, r.subject, r.detail, r.reason])).join("")}`;
}

export function sampleFilename(s: ControlSample): string {
  return `control-sample-${s.check.id}-seed${s.seed}-n${s.n}.csv`;
}
