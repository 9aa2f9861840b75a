/**
 * Bad input gets a field-level refusal and changes nothing; an unexpected failure answers a generic message
 * with an error id, never a stack or the database's words. Through the real tRPC HTTP handler (the one the
 * route app/api/trpc serves), with the real router and a real database.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { openDb } from "../db";
import { createTestDb, TEST_ENGINE, type TestDb } from "../testing/db";
import { findUnsafeText, unsafeCharacter } from "../domain/text";
import { expectUnchanged, lifecycleSnapshot, requestCast, submitInput, type RequestCast } from "../domain/requests/request-test-kit";
import type { TrpcContext } from "./init";
import { appRouter } from "./root";

let db: TestDb;
let c: RequestCast;

beforeAll(async () => {
  db = await createTestDb();
  c = await requestCast(db.prisma);
});
afterAll(() => db.close());

/** One call over HTTP, as the browser's tRPC client makes it (superjson, batch of one). */
async function call(ctx: TrpcContext, type: "query" | "mutation", path: string, input: unknown) {
  const payload = encodeURIComponent(JSON.stringify({ 0: superjson.serialize(input) }));
  const req =
    type === "query"
      ? new Request(`http://portal.test/api/trpc/${path}?batch=1&input=${payload}`)
      : new Request(`http://portal.test/api/trpc/${path}?batch=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ 0: superjson.serialize(input) }) });
  const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => ctx });
  const body = (await res.json()) as { error?: { json: { message: string; data: Record<string, unknown> } } }[];
  return { status: res.status, text: JSON.stringify(body), error: body[0]?.error?.json };
}

const ctxFor = (identityId: string | null): TrpcContext => ({ db: db.prisma, identityId, now: c.clock.now });

describe("unsafe text is refused before any procedure runs", () => {
  it.each([
    ["a NUL byte", "I need this access for the incident\u0000 follow-up work today", /NUL character \(U\+0000, at position 36\)/],
    ["a control character", "I need this access for the\u0007 incident follow-up work", /control characters \(U\+0007/],
    ["a bidi override", "I need this access for \u202Eincident follow-up work today", /bidirectional override/],
    ["an unpaired surrogate", "I need this access for \ud800 incident follow-up work today", /unpaired surrogate/],
  ])("%s in a justification: 400 naming the field, nothing written", async (_label, justification, message) => {
    const before = await lifecycleSnapshot(db.prisma);
    const res = await call(ctxFor(c.employee.id), "mutation", "requests.submit", submitInput(c.low.id, { justification }));
    expect(res.status).toBe(400);
    expect(res.error?.message).toMatch(/^Invalid input: justification: /);
    expect(res.error?.message).toMatch(message);
    expect(res.error?.data.fieldErrors).toEqual({ justification: expect.stringMatching(message) });
    await expectUnchanged(db.prisma, before);
  });

  it("a field breaking several rules gets every one of them, and every broken field is named, nothing written", async () => {
    const before = await lifecycleSnapshot(db.prisma);
    const res = await call(ctxFor(c.employee.id), "mutation", "requests.submit", submitInput(c.low.id, { justification: "aaaa aaaa", durationHours: 0, emergency: true }));
    expect(res.status).toBe(400);
    const fields = res.error?.data.fieldErrors as Record<string, string>;
    expect(Object.keys(fields).sort()).toEqual(["durationHours", "incidentRef", "justification"]);
    // Two rules of the justification, in one message: its length and its words.
    expect(fields.justification).toMatch(/at least \d+ characters.*; .*words/);
    await expectUnchanged(db.prisma, before);
  });

  it("a NUL in a search term is a 400, not a database error", async () => {
    const res = await call(ctxFor(c.employee.id), "query", "identities.list", { q: "pri\u0000ya" });
    expect(res.status).toBe(400);
    expect(res.error?.data.fieldErrors).toEqual({ q: expect.stringMatching(/NUL/) });
    expect(res.text).not.toMatch(/prisma|invalid byte sequence|0x00|SELECT/i);
  });

  it("a field name with a control character and nesting past the limit are refused", async () => {
    expect((await call(ctxFor(c.employee.id), "query", "identities.list", { ["q\u0001"]: "x" })).status).toBe(400);
    let deep: unknown = "x";
    for (let i = 0; i < 50; i++) deep = [deep];
    const res = await call(ctxFor(c.employee.id), "query", "identities.list", { q: deep });
    expect(res.status).toBe(400);
    expect(res.error?.message).toMatch(/nested too deeply/);
    // Hostile depth straight on the wire (no client library in between): refused, never a crash or a 500.
    const raw = `{"0":{"json":{"q":${"[".repeat(100_000)}"x"${"]".repeat(100_000)}}}}`;
    const req = new Request("http://portal.test/api/trpc/requests.submit?batch=1", { method: "POST", headers: { "content-type": "application/json" }, body: raw });
    const wire = await fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => ctxFor(c.employee.id) });
    expect(wire.status).toBeGreaterThanOrEqual(400);
    expect(wire.status).toBeLessThan(500);
  });

  it("keeps what people really write: accents, scripts, emoji, tabs and new lines", () => {
    for (const ok of ["Zoë Ørsted-Ñúñez", "日本語のテキスト", "Arabic نص عربي", "deploy 🚀 fix", "line one\nline two\tindented\r\n", "\u200F mark"]) {
      expect(unsafeCharacter(ok)).toBeNull();
    }
    expect(findUnsafeText({ a: [{ b: "ok" }, { c: new Date() }] })).toBeNull();
    expect(findUnsafeText({ a: [{ b: "ok" }, { c: "bad\u0000" }] })).toEqual({ path: ["a", 1, "c"], message: expect.stringMatching(/NUL/) });
  });
});

describe(`an unexpected failure (${TEST_ENGINE})`, () => {
  it("answers 500 with a generic message and an error id that the log carries, never a stack or SQL", async () => {
    // A database that is gone: every query fails inside Prisma with its own words.
    const pg = new PGlite();
    const broken = openDb({ pglite: pg });
    await pg.close();
    const logged: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let res: Awaited<ReturnType<typeof call>>;
    try {
      res = await call({ db: broken.prisma, identityId: c.employee.id, now: c.clock.now }, "query", "catalog.listSystems", {});
    } finally {
      process.stderr.write = write;
    }
    expect(res.status).toBe(500);
    expect(res.error?.message).toMatch(/^Something went wrong on the server\. Nothing was changed by this call\..*error id: [0-9a-f-]{36}\.$/);
    const errorId = res.error?.data.errorId as string;
    expect(res.error?.message).toContain(errorId);
    expect(res.text).not.toMatch(/stack|prisma|PGlite|closed|at Object|\.ts:\d+/i);
    const line = logged.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.errorId === errorId);
    expect(line).toMatchObject({ level: "error", where: "trpc catalog.listSystems", stack: expect.any(String) });
  });
});
