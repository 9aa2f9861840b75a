import { describe, expect, it } from "vitest";
import { checkOrigin, type OriginInput } from "./origin";

const PORTAL = "https://warrant.example.com";
const post = (over: Partial<OriginInput>): OriginInput => ({
  method: "POST",
  pathname: "/api/trpc/requests.create",
  origin: null,
  secFetchSite: null,
  host: "warrant.example.com",
  publicOrigin: PORTAL,
  ...over,
});

describe("the Origin check of state-changing requests", () => {
  it("accepts the portal's own origin", () => {
    expect(checkOrigin(post({ origin: PORTAL }))).toEqual({ ok: true });
    expect(checkOrigin(post({ origin: PORTAL, secFetchSite: "same-origin" }))).toEqual({ ok: true });
  });

  it("refuses another site with a message that says why, whatever Sec-Fetch-Site claims", () => {
    const out = checkOrigin(post({ origin: "https://evil.example", secFetchSite: "same-origin" }));
    expect(out).toMatchObject({ ok: false, message: expect.stringContaining("https://evil.example") });
    expect(checkOrigin(post({ origin: "https://warrant.example.com.evil.example" }))).toMatchObject({ ok: false });
    expect(checkOrigin(post({ origin: "http://warrant.example.com" }))).toMatchObject({ ok: false }); // http is another origin
    expect(checkOrigin(post({ origin: "not a url" }))).toMatchObject({ ok: false });
  });

  it("every unsafe method is checked; safe methods are not", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "post"]) expect(checkOrigin(post({ method, origin: "https://evil.example" }))).toMatchObject({ ok: false });
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(checkOrigin(post({ method, origin: "https://evil.example" }))).toEqual({ ok: true });
  });

  it("the signed webhook callback is exempt (a server calls it; its HMAC authenticates it)", () => {
    expect(checkOrigin(post({ pathname: "/api/connectors/webhook/callback", origin: "https://connector.example" }))).toEqual({ ok: true });
    expect(checkOrigin(post({ pathname: "/api/connectors/webhook/callback/x", origin: "https://connector.example" }))).toMatchObject({ ok: false });
  });

  it("without Origin, Sec-Fetch-Site decides: same-origin only", () => {
    expect(checkOrigin(post({ secFetchSite: "same-origin" }))).toEqual({ ok: true });
    for (const site of ["same-site", "cross-site", "none"]) expect(checkOrigin(post({ secFetchSite: site }))).toMatchObject({ ok: false });
    expect(checkOrigin(post({ origin: "null" }))).toMatchObject({ ok: false });
    expect(checkOrigin(post({ origin: "null", secFetchSite: "same-origin" }))).toEqual({ ok: true });
  });

  it("neither header (a program, not a browser) is accepted: the defence there is the session ending on the server", () => {
    expect(checkOrigin(post({}))).toEqual({ ok: true });
  });

  it("on a loopback host the request's own host counts as the portal (localhost vs 127.0.0.1), never a rebindable name", () => {
    const demo = { publicOrigin: "http://localhost:3000" };
    expect(checkOrigin(post({ ...demo, origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }))).toEqual({ ok: true });
    expect(checkOrigin(post({ ...demo, origin: "http://localhost:3000", host: "localhost:3000" }))).toEqual({ ok: true });
    expect(checkOrigin(post({ ...demo, origin: "http://127.0.0.1:4000", host: "127.0.0.1:3000" }))).toMatchObject({ ok: false });
    // DNS rebinding: the attacker's name pointed at 127.0.0.1 sends Origin and Host alike; not loopback, refused.
    expect(checkOrigin(post({ ...demo, origin: "http://rebind.evil.example:3000", host: "rebind.evil.example:3000" }))).toMatchObject({ ok: false });
  });
});
