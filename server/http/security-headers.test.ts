import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, staticSecurityHeaders } from "./security-headers";

const directives = (csp: string) => new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

describe("security headers", () => {
  it("a nonce is fresh each time and long enough not to be guessed", () => {
    const a = newNonce();
    expect(a).not.toBe(newNonce());
    expect(Buffer.from(a, "base64")).toHaveLength(16);
  });

  it("the CSP runs only scripts with the nonce, allows no inline script or style, no framing, no plugins", () => {
    const d = directives(contentSecurityPolicy({ nonce: "abc123", https: false, dev: false }));
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(d.get("style-src")).toEqual(["'self'", "'nonce-abc123'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'none'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
    const all = [...d.values()].flat();
    expect(all).not.toContain("'unsafe-inline'");
    expect(all).not.toContain("'unsafe-eval'");
    expect(d.has("upgrade-insecure-requests")).toBe(false);
  });

  it("development adds only what React's dev tooling needs", () => {
    const d = directives(contentSecurityPolicy({ nonce: "n", https: false, dev: true }));
    expect(d.get("script-src")).toContain("'unsafe-eval'");
    expect(d.get("connect-src")).toEqual(["'self'", "ws:", "wss:"]);
  });

  it("HSTS and upgrade-insecure-requests only over HTTPS", () => {
    expect(staticSecurityHeaders({ https: false })["Strict-Transport-Security"]).toBeUndefined();
    expect(staticSecurityHeaders({ https: true })["Strict-Transport-Security"]).toMatch(/^max-age=\d+/);
    expect(directives(contentSecurityPolicy({ nonce: "n", https: true, dev: false })).has("upgrade-insecure-requests")).toBe(true);
  });

  it("framing, sniffing and referrers are locked down on every response", () => {
    expect(staticSecurityHeaders({ https: false })).toMatchObject({
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Permissions-Policy": expect.stringContaining("camera=()"),
    });
  });
});
