/**
 * Reproducible random samples of a control check's population, for auditors who test a sample by hand.
 *
 * Algorithm (documented in every CSV so anyone can reproduce it):
 *   1. the population's ids, sorted ascending (byte order of the id strings: the ids are UUIDs, and the
 *      database's uuid order is the byte order of their lowercase text);
 *   2. the PRNG mulberry32 seeded with the recorded unsigned 32-bit seed;
 *   3. a partial Fisher–Yates shuffle: for i = 0 … n−1, j = i + floor(rand() × (size − i)), swap i and j;
 *   4. the sample is the first n ids, in that order.
 * Same population + same seed + same n ⇒ same sample.
 *
 * Memory is O(n), not O(population): the population is counted, the shuffle runs over positions
 * 0 … size−1 (only the displaced positions are stored), and the members at the drawn positions of the
 * population in id order are then read (controlMembersAt: the database numbers the population, only the drawn
 * members are loaded). The result is exactly that of shuffling the sorted list itself.
 */
import { randomInt } from "node:crypto";
import type { Tx } from "../../db";
import { csvLine } from "../../csv";
import { controlCheckInfo, controlMembersAt, countControlPopulation, type ControlRow } from "./controls";
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

/**
 * The positions (0-based, into the population sorted by id) of a sample of n drawn from `size` members,
 * in draw order: the documented partial Fisher–Yates, run over the positions themselves. Only the
 * positions a swap displaced are stored, so memory is O(n) whatever `size` is.
 */
export function drawPositions(size: number, n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const k = Math.min(n, size);
  const displaced = new Map<number, number>(); // position → what the shuffled array holds there, when not itself
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (size - i));
    const atI = displaced.get(i) ?? i;
    out.push(displaced.get(j) ?? j);
    displaced.set(j, atI);
    displaced.delete(i); // position i is never read again (every later j is > i)
  }
  return out;
}

/** Draws n items from `sorted` (already sorted) with the documented algorithm. */
export function drawSample<T>(sorted: T[], n: number, seed: number): T[] {
  return drawPositions(sorted.length, n, seed).map((p) => sorted[p]!);
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

/**
 * A reproducible random sample of n members of a check's population (seed drawn and recorded when absent).
 * Holds O(n) rows: counts the population, draws the positions, then reads the members at those positions
 * of the population in id order. Read-only; who may call it: the router (ADMIN, SECURITY, AUDITOR).
 */
export async function sampleControlPopulation(
  db: Tx,
  input: { check: ControlId; n: number; seed?: number; from?: string; to?: string; systemNames?: string[] },
  now: Date,
): Promise<ControlSample> {
  const seed = input.seed ?? randomInt(0, 0xffffffff);
  const scope = { from: input.from, to: input.to, systemNames: input.systemNames, now };
  const info = controlCheckInfo(input.check, scope);
  const populationCount = await countControlPopulation(db, input.check, scope);
  const positions = drawPositions(populationCount, input.n, seed);
  const atPosition = await controlMembersAt(db, input.check, positions, scope);
  const picked = positions.map((p) => atPosition.get(p));
  return {
    check: { id: info.id, title: info.title },
    definition: info.definition,
    seed,
    n: input.n,
    populationCount,
    algorithm: SAMPLE_ALGORITHM,
    generatedAt: now,
    scope: { from: input.from ?? null, to: input.to ?? null, systemNames: input.systemNames ?? [] },
    // A member removed between the count and the read leaves its position empty: the sample is then shorter.
    rows: picked.filter((r): r is ControlRow => r !== undefined),
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
    // One-cell records through the CSV writer too: a system name holding ",=HYPERLINK(…)" stays inside its cell.
    .map((l) => csvLine([l.replace(/[\r\n]+/g, " ")]))
    .join("");
  return `${head}${csvLine(["position", "id", "subject", "detail", "exception_or_flag"])}${s.rows.map((r, i) => csvLine([i + 1, r.id, r.subject, r.detail, r.reason])).join("")}`;
}

export function sampleFilename(s: ControlSample): string {
  return `control-sample-${s.check.id}-seed${s.seed}-n${s.n}.csv`;
}
