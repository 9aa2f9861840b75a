/** Route-handler edge behaviour: the unexpected answers 500 with an error id only; "not yours" answers like "missing". */
import { describe, expect, it, vi } from "vitest";
import { TRPCError } from "@trpc/server";
import { guardedRoute } from "./route";
import { errorResponse } from "@/app/api/audit/_lib/http";

describe("route handlers", () => {
  it("an unexpected error answers 500 with the error id to quote, never its message, stack or SQL", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const route = guardedRoute("api/test", async () => {
        throw new Error('relation "Secret" does not exist: SELECT * FROM "Secret" WHERE token = \'abc\'');
      });
      const res = await route(new Request("http://portal.test/api/test"), { params: Promise.resolve({}) });
      expect(res.status).toBe(500);
      const text = await res.text();
      const id = /error id: ([0-9a-f-]{36})/.exec(text)?.[1];
      expect(id).toBeDefined();
      expect(text).not.toMatch(/SELECT|Secret|relation|at .*\.ts/);
      // The log line carries the id and the real error, for the operator.
      const logged = stderr.mock.calls.map((c) => String(c[0])).find((l) => l.includes(id!));
      expect(logged).toContain("does not exist");
    } finally {
      stderr.mockRestore();
    }
  });

  it("'not allowed' and 'not found' from the router answer the same 404; 401 and 400 keep their words", async () => {
    const forbidden = errorResponse(new TRPCError({ code: "FORBIDDEN", message: "This needs the AUDITOR role." }), "The system was not found.");
    const missing = errorResponse(new TRPCError({ code: "NOT_FOUND", message: "The system was not found." }), "The system was not found.");
    expect([forbidden.status, await forbidden.text()]).toEqual([404, "The system was not found."]);
    expect([missing.status, await missing.text()]).toEqual([404, "The system was not found."]);
    expect(errorResponse(new TRPCError({ code: "UNAUTHORIZED", message: "Please sign in." }), "x").status).toBe(401);
    expect(errorResponse(new TRPCError({ code: "BAD_REQUEST", message: "date: bad" }), "x").status).toBe(400);
    expect(() => errorResponse(new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "boom" }), "x")).toThrow("boom");
  });
});
