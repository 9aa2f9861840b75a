/**
 * Input fuzz of every procedure of the app router (the list comes from the router itself), as a caller the
 * procedure lets through (by default an admin who is also security; the requester, approver or reviewer
 * where the matrix says so), on the authorization scene:
 *
 * (a) inputs derived from the procedure's zod schema (server/testing/zod-arbitrary.ts), seeded: mostly valid,
 *     with ids that exist, random ids and near misses; half of them are the matrix's valid input with one
 *     field generated afresh, so most pass the schema and reach the service;
 * (b) hostile variants of the matrix's valid input, one field at a time: NUL, a bidi override, 1 MB of text,
 *     deep nesting, wrong types; and the whole input replaced.
 *
 * For every call: never INTERNAL_SERVER_ERROR (no 5xx); for a mutation, every refusal leaves the database
 * exactly as it was (whole-database fingerprint). Reads change nothing at all. NUL, bidi overrides and deep
 * nesting are refused at the transport (BAD_REQUEST) whatever the procedure. A handful of hostile inputs also
 * go through the real HTTP handler, to show the status on the wire is a 4xx.
 *
 * Reproduce a failure: the seed is in the test name and in fast-check's report; FUZZ_SEED=<n> FUZZ_RUNS=<n>
 * override the base seed and the number of runs.
 */
import { rmSync } from "node:fs";
import fc from "fast-check";
import superjson from "superjson";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { authorizationScene, sceneIds, type AuthorizationScene } from "../testing/authorization-scene";
import { PROCEDURE_MATRIX } from "../testing/authorization-matrix";
import { changedTables, dbFingerprint, type Fingerprint } from "../testing/db-fingerprint";
import { callerAs } from "../testing/factories";
import { deepArray, hostileVariants, HOSTILE_TEXT, ONE_MB, oneFieldVariations, zodArbitrary } from "../testing/zod-arbitrary";
import type { TrpcContext } from "./init";
import { appRouter } from "./root";

const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20260302);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 12);

type ProcedureDef = { _def: { type: "query" | "mutation"; inputs: unknown[] } };
const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;

/** Reads first, then changes; deprovisioning a person last (the fuzz may deprovision people of the scene). */
const ORDER = Object.keys(procedures).sort((a, b) => rank(a) - rank(b));
function rank(p: string) {
  return p === "grants.deprovisionIdentity" ? 2 : procedures[p]!._def.type === "query" ? 0 : 1;
}

/** A stable seed per procedure, derived from the base seed. */
function seedOf(p: string): number {
  let h = BASE_SEED | 0;
  for (let i = 0; i < p.length; i++) h = (Math.imul(h, 31) + p.charCodeAt(i)) | 0;
  return h >>> 0;
}

let t: TestDb;
let s: AuthorizationScene;
let ids: string[];

beforeAll(async () => {
  t = await createTestDb();
  s = await authorizationScene(t.prisma);
  ids = sceneIds(s);
}, 300_000);
afterAll(async () => {
  if (s) rmSync(s.evidenceExport.dir, { recursive: true, force: true });
  await t?.close();
});

function actorOf(p: string): string {
  const as = PROCEDURE_MATRIX[p]?.fuzzAs ?? "adminSecurity";
  return as === "adminSecurity" ? s.people.adminSecurity.id : s.identityOf[as]!;
}

type Result = { ok: true } | { ok: false; code: string; message: string; cause: unknown };

async function call(p: string, input: unknown): Promise<Result> {
  const caller = callerAs(t.prisma, actorOf(p), s.clock.now) as unknown as Record<string, Record<string, (i?: unknown) => Promise<unknown>>>;
  const [area, name] = p.split(".") as [string, string];
  try {
    await caller[area]![name]!(input);
    return { ok: true };
  } catch (e) {
    if (e instanceof TRPCError) return { ok: false, code: e.code, message: e.message, cause: e.cause };
    throw e;
  }
}

const short = (v: unknown) => {
  try {
    const text = JSON.stringify(v, (_k, x) => (typeof x === "string" && x.length > 80 ? `${x.slice(0, 40)}…(${x.length} chars)` : x));
    return text.length > 400 ? `${text.slice(0, 400)}…` : text;
  } catch {
    return String(v);
  }
};

/**
 * One fuzz call and its checks. `state.fp` is the fingerprint after the last change: a refused mutation must
 * leave it as it is; an accepted one moves it on.
 */
/** FUZZ_DEBUG=1 prints, per procedure, how the calls were answered (to see the fuzz reaches past the schema). */
const tally: Record<string, Record<string, number>> = {};
afterAll(() => {
  if (process.env.FUZZ_DEBUG) for (const [p, codes] of Object.entries(tally)) console.log(`fuzz ${p} ${JSON.stringify(codes)}`);
});

async function fuzzCall(p: string, input: unknown, state: { fp: Fingerprint | null }): Promise<Result> {
  const r = await call(p, input);
  const key = r.ok ? "ok" : r.code;
  (tally[p] ??= {})[key] = (tally[p]?.[key] ?? 0) + 1;
  if (!r.ok && r.code === "INTERNAL_SERVER_ERROR") {
    const cause = r.cause instanceof Error ? `${r.cause.name}: ${r.cause.message}` : String(r.cause);
    throw new Error(`${p} answered INTERNAL_SERVER_ERROR (a 5xx) for ${short(input)}: ${cause.slice(0, 600)}`);
  }
  if (state.fp) {
    const after = await dbFingerprint(t.prisma);
    if (!r.ok) expect(changedTables(state.fp, after), `${p} refused ${short(input)} with ${r.code} (${r.message}) but wrote to`).toEqual([]);
    state.fp = after;
  }
  return r;
}

describe("the fuzz covers every procedure", () => {
  it("every procedure takes at most one input schema, and every schema translates to an arbitrary", () => {
    for (const p of ORDER) {
      const inputs = procedures[p]!._def.inputs;
      expect(inputs.length, p).toBeLessThanOrEqual(1);
      if (inputs[0]) expect(() => zodArbitrary(inputs[0], { ids: ["00000000-0000-4000-8000-000000000000"] }), p).not.toThrow();
    }
  });
});

describe(`input fuzz (${TEST_ENGINE})`, () => {
  for (const p of ORDER) {
    const proc = procedures[p]!;
    const schema = proc._def.inputs[0];
    const mutation = proc._def.type === "mutation";
    const entry = PROCEDURE_MATRIX[p];
    describe(p, () => {
      // Reads: one fingerprint around everything this procedure is sent; changes: one per call.
      let readsBefore: Fingerprint | null = null;
      beforeAll(async () => {
        if (!mutation) readsBefore = await dbFingerprint(t.prisma);
      });

      if (schema) {
        it(`inputs from its schema (seed ${seedOf(p)}, ${NUM_RUNS} runs): never a 5xx${mutation ? "; a refusal changes nothing" : ""}`, async () => {
          const state = { fp: mutation ? await dbFingerprint(t.prisma) : null };
          const valid = entry?.input?.(s);
          await fc.assert(
            fc.asyncProperty(valid && typeof valid === "object" ? fc.oneof(zodArbitrary(schema, { ids }), oneFieldVariations(schema, valid as Record<string, unknown>, { ids })) : zodArbitrary(schema, { ids }), async (input) => {
              await fuzzCall(p, input, state);
            }),
            { seed: seedOf(p), numRuns: NUM_RUNS, endOnFailure: true, ...(valid !== undefined ? { examples: [[valid]] } : {}) },
          );
        });
      }

      it(`hostile inputs: refused at the transport where they must be, never a 5xx${mutation ? ", a refusal changes nothing" : ""}`, async () => {
        const state = { fp: mutation ? await dbFingerprint(t.prisma) : null };
        const variants = schema
          ? hostileVariants(schema, entry?.input?.(s) ?? {})
          : [...HOSTILE_TEXT.map(([label, v]) => ({ label: `the whole input as ${label}`, input: v })), { label: "the whole input nested 200 deep", input: { a: deepArray(200) } }];
        for (const v of variants) {
          const r = await fuzzCall(p, v.input, state);
          // The transport refuses these before any procedure runs, whether or not it takes an input.
          if (/NUL|bidi|nested/.test(v.label)) expect(r.ok ? "ok" : r.code, `${p} with ${v.label}`).toBe("BAD_REQUEST");
          // Every text field is bounded well below 1 MB.
          if (schema && /1 MB/.test(v.label)) expect(r.ok ? "ok" : r.code, `${p} with ${v.label}`).toBe("BAD_REQUEST");
        }
      });

      if (!mutation) {
        it("changes nothing, whatever it was sent", async () => {
          expect(changedTables(readsBefore!, await dbFingerprint(t.prisma)), `reading ${p} wrote to`).toEqual([]);
        });
      }
    });
  }
});

describe(`hostile input on the wire (${TEST_ENGINE})`, () => {
  const ctx = (): TrpcContext => ({ db: t.prisma, identityId: s.people.adminSecurity.id, now: s.clock.now });

  async function wire(type: "query" | "mutation", p: string, body: string | null, input?: unknown) {
    const payload = body ?? JSON.stringify({ 0: superjson.serialize(input) });
    const req =
      type === "query"
        ? new Request(`http://portal.test/api/trpc/${p}?batch=1&input=${encodeURIComponent(payload)}`)
        : new Request(`http://portal.test/api/trpc/${p}?batch=1`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
    const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: ctx, onError: () => undefined });
    return { status: res.status, text: await res.text() };
  }

  type WireCase = { type: "query" | "mutation"; path: string; body?: string; input?: (s: AuthorizationScene) => unknown };
  const DEEP = `{"0":{"json":${"[".repeat(100_000)}1${"]".repeat(100_000)}}}`;
  const cases: Record<string, WireCase> = {
    "a NUL in a justification": { type: "mutation", path: "requests.submit", input: (x) => ({ entitlementId: x.ent.dashboards.id, justification: "need\u0000this for the incident today", durationHours: 4 }) },
    "a bidi override in a search": { type: "query", path: "identities.list", input: () => ({ q: "\u202Eadmin" }) },
    "1 MB in a policy note": { type: "mutation", path: "policy.save", input: () => ({ text: "x", note: ONE_MB, expectedVersion: 1 }) },
    "a string where a list belongs": { type: "mutation", path: "notifications.markRead", input: () => ({ ids: "all" }) },
    "null for the whole input": { type: "mutation", path: "grants.revoke", input: () => null },
    "a start date far outside PostgreSQL's range": {
      type: "mutation",
      path: "campaigns.create",
      input: (x) => ({ name: "Ancient review", scope: { systemIds: [x.system.id] }, reviewerStrategy: "ENTITLEMENT_OWNER", fallbackReviewerId: x.people.director.id, startsAt: new Date(-8.64e15), dueAt: new Date(x.clock.now().getTime() + 7 * 86_400_000), defaultAction: "KEEP" }),
    },
    "JSON nested 100 000 deep": { type: "mutation", path: "campaigns.create", body: DEEP },
    "a body that is not JSON": { type: "mutation", path: "findings.resolve", body: "{not json" },
  };

  it.each(Object.keys(cases))("%s: a 4xx, no stack or SQL in the answer, nothing written", async (label) => {
    const c = cases[label]!;
    const before = await dbFingerprint(t.prisma);
    const res = await wire(c.type, c.path, c.body ?? null, c.input?.(s));
    expect(res.status, res.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    expect(res.text).not.toMatch(/prisma|postgres|PGlite|invalid byte sequence|at Object\.|\.ts:\d+|SELECT /i);
    expect(changedTables(before, await dbFingerprint(t.prisma))).toEqual([]);
  });
});
