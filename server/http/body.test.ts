import { describe, expect, it } from "vitest";
import { readBodyCapped } from "./body";
import { MAX_BODY_BYTES } from "./limits";
// @ts-expect-error -- next.config.mjs is plain JavaScript without a declaration file
import nextConfig, { PROXY_BODY_LIMIT } from "../../next.config.mjs";

/** A chunked body (no Content-Length) that records how many chunks were pulled from it. */
function chunked(chunks: number, size: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled >= chunks) return c.close();
      pulled++;
      c.enqueue(new Uint8Array(size).fill(65));
    },
  });
  const req = new Request("http://x/api/trpc/a", { method: "POST", body: stream, duplex: "half" } as RequestInit);
  return { req, pulled: () => pulled };
}

describe("reading a body with a cap", () => {
  it("reads a body within the cap whole", async () => {
    const { req } = chunked(4, 1000);
    const out = await readBodyCapped(req, 4000);
    expect(out.ok && out.bytes.byteLength).toBe(4000);
  });

  it("stops reading a chunked body as soon as it passes the cap (the rest is never pulled)", async () => {
    const { req, pulled } = chunked(10_000, 64 * 1024);
    expect(await readBodyCapped(req, MAX_BODY_BYTES)).toEqual({ ok: false });
    expect(pulled()).toBeLessThan(20); // 1 MiB is 16 chunks of 64 KiB; not the 625 MiB on offer
  });

  it("refuses a declared Content-Length over the cap without reading at all", async () => {
    const req = new Request("http://x/", { method: "POST", body: "small", headers: { "content-length": String(MAX_BODY_BYTES + 1) } });
    expect(await readBodyCapped(req, MAX_BODY_BYTES)).toEqual({ ok: false });
  });

  it("a body Next cut for the proxy (short of its limit by at most one 64 KiB read) is still over the cap, so it is refused", () => {
    expect(nextConfig.experimental?.proxyClientMaxBodySize).toBe(PROXY_BODY_LIMIT);
    expect(PROXY_BODY_LIMIT - 64 * 1024).toBeGreaterThan(MAX_BODY_BYTES);
    expect(PROXY_BODY_LIMIT).toBeLessThanOrEqual(8 * MAX_BODY_BYTES); // and Next never holds much more than the cap
  });
});
