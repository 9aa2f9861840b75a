/**
 * The refusals /api/trpc makes before it reads the session, the database or the body. (The whole path, with
 * rate limits and a mutation that must not run, is in e2e/security-http.spec.ts over real HTTP.)
 */
import { describe, expect, it } from "vitest";
import { countCalls, handleTrpcRequest } from "./trpc-endpoint";
import { MAX_BATCH_CALLS, MAX_BODY_BYTES, MAX_URL_LENGTH } from "./limits";

const batchUrl = (n: number) => `http://portal.test/api/trpc/${Array.from({ length: n }, () => "me.current").join(",")}?batch=1`;

describe("/api/trpc refusals before anything runs", () => {
  it("counts the calls of a batch from its path", () => {
    expect(countCalls(new URL(batchUrl(3)))).toBe(3);
    expect(countCalls(new URL("http://portal.test/api/trpc/me.current"))).toBe(1);
    // Without batch=1, tRPC runs the path as one procedure (a comma is then simply not found).
    expect(countCalls(new URL("http://portal.test/api/trpc/a,b,c"))).toBe(1);
  });

  it("a batch over the limit: 413 in tRPC's error shape, naming the limit", async () => {
    const res = await handleTrpcRequest(new Request(batchUrl(MAX_BATCH_CALLS + 1)));
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error.json).toMatchObject({ code: -32013, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } });
    expect(body.error.json.message).toContain(`at most ${MAX_BATCH_CALLS}`);
  });

  it("a URL over the limit: 414", async () => {
    const res = await handleTrpcRequest(new Request(`http://portal.test/api/trpc/me.current?input=${"x".repeat(MAX_URL_LENGTH)}`));
    expect(res.status).toBe(414);
    expect((await res.json()).error.json.message).toContain("too long");
  });

  it("a declared body over the limit: 413, unread", async () => {
    const req = new Request("http://portal.test/api/trpc/requests.create", { method: "POST", body: "{}", headers: { "content-length": String(MAX_BODY_BYTES + 1) } });
    const res = await handleTrpcRequest(req);
    expect(res.status).toBe(413);
    expect(req.bodyUsed).toBe(false);
  });
});
