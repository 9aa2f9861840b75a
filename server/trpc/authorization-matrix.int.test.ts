/**
 * Every procedure × every role, and every route handler × every role, against the rules written in
 * server/testing/authorization-matrix.ts, on one realistic scene (server/testing/authorization-scene.ts)
 * through the real router on a real database.
 *
 * - The matrix has exactly one entry per procedure of the app router and per app/api/**\/route.ts file: a new
 *   procedure or route without its rule fails here, naming it.
 * - A refusal is exactly the expected code and changes nothing anywhere in the database (a fingerprint of
 *   every table). A read changes nothing, whoever calls it.
 * - An allowed read succeeds. An allowed change is not refused: the first allowed caller succeeds; a later
 *   one may meet CONFLICT / BAD_REQUEST because the thing is already done. Mutations run the refused roles
 *   first, on the state the scene left, then the allowed ones.
 * - Cells where the code disagrees with the rule today are `it.fails`, naming the bug (knownBugs).
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { authorizationScene, type AuthorizationScene } from "../testing/authorization-scene";
import { PROCEDURE_MATRIX, ROLES, ROUTE_MATRIX, type MatrixEntry, type RoleName } from "../testing/authorization-matrix";
import { dbFingerprint, expectNothingChanged, type Fingerprint } from "../testing/db-fingerprint";
import { callerAs } from "../testing/factories";
import { appRouter } from "./root";

type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription"; inputs: unknown[] } };
const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;

let t: TestDb;
let s: AuthorizationScene;

beforeAll(async () => {
  t = await createTestDb();
  s = await authorizationScene(t.prisma);
}, 300_000);
afterAll(async () => {
  if (s) rmSync(s.evidenceExport.dir, { recursive: true, force: true });
  await t?.close();
});

type CallResult = { ok: true } | { ok: false; code: string; message: string };

/** Calls `procedurePath` as `role` through the real router (createCaller), with the entry's input. */
async function callAs(procedurePath: string, role: RoleName, entry: MatrixEntry): Promise<CallResult> {
  const caller = callerAs(t.prisma, s.identityOf[role], s.clock.now) as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
  const [area, name] = procedurePath.split(".") as [string, string];
  try {
    await (entry.input ? caller[area]![name]!(entry.input(s)) : caller[area]![name]!());
    return { ok: true };
  } catch (e) {
    if (e instanceof TRPCError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

const describeResult = (r: CallResult) => (r.ok ? "ok" : `${r.code} (${r.message})`);

describe("the matrix covers every procedure and route", () => {
  it("has exactly one entry per procedure of the app router", () => {
    const paths = Object.keys(procedures).sort();
    const keys = Object.keys(PROCEDURE_MATRIX).sort();
    expect(paths.filter((p) => !keys.includes(p)), "procedures without an entry in server/testing/authorization-matrix.ts: add their rule").toEqual([]);
    expect(keys.filter((k) => !paths.includes(k)), "matrix entries for procedures the router no longer has").toEqual([]);
  });

  it("every entry names all 8 roles with an outcome, and gives an input exactly when the procedure takes one", () => {
    for (const [p, entry] of Object.entries(PROCEDURE_MATRIX)) {
      expect(Object.keys(entry.expect).sort(), p).toEqual([...ROLES].sort());
      for (const o of Object.values(entry.expect)) expect(["ok", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"], p).toContain(o);
      expect(Boolean(entry.input), `${p}: input given ⇔ the procedure takes one`).toBe((procedures[p]?._def.inputs.length ?? 0) > 0);
      for (const r of entry.noEffectFor ?? []) expect(entry.expect[r], `${p}: noEffectFor names an allowed role`).toBe("ok");
    }
  });

  it("has exactly one entry per route handler under app/api and app/scim", () => {
    const files = routeFiles();
    const keys = Object.keys(ROUTE_MATRIX).sort();
    expect(files.filter((f) => !keys.includes(f)), "route handlers without an entry in ROUTE_MATRIX: add their rule").toEqual([]);
    expect(keys.filter((k) => !files.includes(k)), "ROUTE_MATRIX entries for route handlers that no longer exist").toEqual([]);
    for (const [f, e] of Object.entries(ROUTE_MATRIX)) {
      if (e.expect) {
        expect(Object.keys(e.expect).sort(), f).toEqual([...ROLES].sort());
        expect(e.probe, `${f}: an expectation needs a probe`).toBeTypeOf("function");
      } else expect(e.coveredBy, `${f}: say where its authorization is proven`).toBeTruthy();
    }
  });
});

/** Every app/api/**\/route.ts and app/scim/**\/route.ts, relative to the project root, with forward slashes. */
function routeFiles(): string[] {
  const root = path.resolve(import.meta.dirname, "../..");
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.name === "route.ts") out.push(path.relative(root, full).split(path.sep).join("/"));
    }
  };
  walk(path.join(root, "app/api"));
  walk(path.join(root, "app/scim"));
  return out.sort();
}

const byType = (type: "query" | "mutation") => Object.entries(PROCEDURE_MATRIX).filter(([p]) => procedures[p]?._def.type === type);
const cell = (entry: { knownBugs?: Partial<Record<RoleName, string>> }, role: RoleName) => (entry.knownBugs?.[role] ? it.fails : it);
const cellName = (role: RoleName, expected: string, bug?: string) => `${role}: ${expected}${bug ? ` — KNOWN BUG, fails today: ${bug}` : ""}`;

describe(`reads (${TEST_ENGINE})`, () => {
  for (const [p, entry] of byType("query")) {
    describe(p, () => {
      let before: Fingerprint;
      beforeAll(async () => {
        before = await dbFingerprint(t.prisma);
      });
      for (const role of ROLES) {
        const expected = entry.expect[role];
        cell(entry, role)(cellName(role, expected, entry.knownBugs?.[role]), async () => {
          const r = await callAs(p, role, entry);
          if (expected === "ok") expect(r.ok, `${p} as ${role}: ${describeResult(r)}`).toBe(true);
          else expect(r.ok ? "ok" : r.code, `${p} as ${role}: ${describeResult(r)}`).toBe(expected);
        });
      }
      it("changes nothing, whoever calls it", async () => {
        await expectNothingChanged(t.prisma, before, `reading ${p}`);
      });
    });
  }
});

describe(`changes (${TEST_ENGINE})`, () => {
  for (const [p, entry] of byType("mutation")) {
    const refused = ROLES.filter((r) => entry.expect[r] !== "ok");
    const noEffect = entry.noEffectFor ?? [];
    const allowed = ROLES.filter((r) => entry.expect[r] === "ok" && !noEffect.includes(r));
    describe(p, () => {
      let succeeded = false;
      for (const role of [...refused, ...noEffect]) {
        const expected = entry.expect[role];
        cell(entry, role)(cellName(role, expected === "ok" ? "ok, and changes nothing" : `${expected}, and changes nothing`, entry.knownBugs?.[role]), async () => {
          const before = await dbFingerprint(t.prisma);
          const r = await callAs(p, role, entry);
          if (expected === "ok") expect(r.ok, `${p} as ${role}: ${describeResult(r)}`).toBe(true);
          else expect(r.ok ? "ok" : r.code, `${p} as ${role}: ${describeResult(r)}`).toBe(expected);
          await expectNothingChanged(t.prisma, before, `${p} as ${role}`);
        });
      }
      for (const role of allowed) {
        cell(entry, role)(cellName(role, "ok", entry.knownBugs?.[role]), async () => {
          const r = await callAs(p, role, entry);
          if (r.ok) {
            succeeded = true;
            return;
          }
          // Only after an allowed caller did the thing may another meet "already done".
          expect(succeeded && ["CONFLICT", "BAD_REQUEST"].includes(r.code), `${p} as ${role}: ${describeResult(r)}${succeeded ? "" : " (no allowed caller has succeeded yet)"}`).toBe(true);
        });
      }
    });
  }
});

describe(`route handlers (${TEST_ENGINE})`, () => {
  for (const [route, entry] of Object.entries(ROUTE_MATRIX)) {
    const table = entry.expect;
    const probe = entry.probe;
    if (!table || !probe) continue;
    describe(`${entry.methods.join("/")} ${route}`, () => {
      for (const role of ROLES) {
        cell(entry, role)(cellName(role, String(table[role]), entry.knownBugs?.[role]), async () => {
          const before = await dbFingerprint(t.prisma);
          expect(await probe(s, s.identityOf[role])).toBe(table[role]);
          await expectNothingChanged(t.prisma, before, `${route} as ${role}`);
        });
      }
    });
  }
});
