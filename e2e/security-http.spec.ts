/**
 * The HTTP edge over real HTTP against the built portal (scripts/serve.mjs, what `npm start` runs):
 * security headers on every kind of response, a CSP the app really runs under, the Origin check, size
 * limits before parsing, rate limits (429 + Retry-After), sessions that end on the server, and the demo
 * sign-in only for the demo accounts.
 *
 * Rate limits are tripped from client addresses of their own (X-Forwarded-For, honoured because the e2e
 * portal runs with TRUST_PROXY=true), so the rest of the suite, all from 127.0.0.1, is never throttled.
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { APIRequestContext, APIResponse, Page, PlaywrightWorkerArgs } from "@playwright/test";
import { test, expect, DEMO, signedInAs } from "./fixtures";
import { IdpLoginPage } from "./pages/idp-login.page";

/** Not a demo account, but an active person the test IdP knows: refused by the demo sign-in, deprovisioned below. */
const HANNAH = { email: "hannah.lindqvist@halcyon.example", name: "Hannah Lindqvist" };
const EVIL = "https://evil.example";
/** Defaults of server/env.ts (the e2e portal sets none of them). */
const LIMITS = { signinPerAddress: 60, signinPerAccount: 20, callsPerAddress: 3000 };
const MAX_BATCH = 10;
const MAX_BODY = 1024 * 1024;

/**
 * A documentation address (RFC 5737) of its own for each use: consecutive from a random start, so two uses in one
 * run never share one (drawn at random, two did 1 time in 250: the per-address count then began with the earlier
 * test's attempts, and the per-address limit refused after 39 instead of 60).
 */
let nextAddress = Math.floor(Math.random() * 250);
const address = () => `198.51.100.${(nextAddress++ % 250) + 1}`;

function expectSecurityHeaders(res: APIResponse, what: string) {
  const h = res.headers();
  expect(h["content-security-policy"], what).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(h["content-security-policy"], what).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"], what).not.toContain("unsafe-inline");
  expect(h["x-frame-options"], what).toBe("DENY");
  expect(h["x-content-type-options"], what).toBe("nosniff");
  expect(h["referrer-policy"], what).toBe("strict-origin-when-cross-origin");
  expect(h["permissions-policy"], what).toContain("camera=()");
  // Served over plain http here: no HSTS (it is only sent over HTTPS).
  expect(h["strict-transport-security"], what).toBeUndefined();
}

/** tRPC query over GET: `/api/trpc/<path>?input=…` (superjson wire format). */
function trpcGet(request: APIRequestContext, path: string, input?: unknown, headers: Record<string, string> = {}) {
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return request.get(`/api/trpc/${path}${q}`, { headers });
}

/** A request context that presents exactly these cookies (a copy taken from a browser), nothing else. */
async function withCopiedCookies(playwright: PlaywrightWorkerArgs["playwright"], baseURL: string, page: Page) {
  const cookies = await page.context().cookies();
  const session = cookies.filter((c) => c.name.includes("next-auth.session-token"));
  expect(session.length, "a signed-in browser has a session cookie").toBeGreaterThan(0);
  return playwright.request.newContext({ baseURL, extraHTTPHeaders: { cookie: session.map((c) => `${c.name}=${c.value}`).join("; ") } });
}

async function systemsNamed(request: APIRequestContext, name: string): Promise<number> {
  const res = await trpcGet(request, "catalog.listSystems", { q: name });
  expect(res.status()).toBe(200);
  return (await res.json()).result.data.json.total;
}

/** Posts `total` bytes as a chunked body (no Content-Length), stopping as soon as the server answers. */
function postChunked(url: string, total: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

test.describe("security headers and the CSP", () => {
  test("every kind of response carries the security headers: a page, a route handler, a static file, a 404", async ({ request }) => {
    const page = await request.get("/signin");
    expect(page.status()).toBe(200);
    expectSecurityHeaders(page, "page");
    // Next.js put this response's nonce on its scripts; the CSP of another response has another nonce.
    const html = await page.text();
    const nonce = /'nonce-([^']+)'/.exec(page.headers()["content-security-policy"])![1];
    expect(html).toContain(`nonce="${nonce}"`);
    expect((await request.get("/signin")).headers()["content-security-policy"]).not.toContain(nonce);

    const route = await request.get("/api/evidence/public-key");
    expect(route.status()).toBe(401);
    expectSecurityHeaders(route, "route handler");

    const asset = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)![1];
    const file = await request.get(asset);
    expect(file.status()).toBe(200);
    expectSecurityHeaders(file, "static file");

    const missing = await request.get(`/no-such-page-${randomUUID()}`);
    expect(missing.status()).toBe(404);
    expectSecurityHeaders(missing, "404");

    const refused = await request.post("/api/trpc/me.current", { headers: { origin: EVIL } });
    expect(refused.status()).toBe(403);
    expectSecurityHeaders(refused, "a refusal of the edge itself");
  });

  test("the portal runs under its CSP: the main pages as an admin, no violation, and an injected script is blocked", async ({ adminPage: page }) => {
    test.setTimeout(240_000); // twenty pages, rendered per request, on a shared two-core machine
    const violations: string[] = [];
    const errors: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        const w = window as unknown as { __csp?: string[] };
        (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const visit = async (path: string) => {
      await page.goto(path);
      await expect(signedInAs(page)).toHaveText(DEMO.admin.name);
      const seen = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
      violations.push(...seen.map((v) => `${path}: ${v}`));
      expect(violations, `CSP violations by ${path}`).toEqual([]);
      expect(errors, `script errors on ${path}`).toEqual([]);
    };
    for (const path of [
      "/",
      "/requests",
      "/requests/new",
      "/approvals",
      "/tasks",
      "/notifications",
      "/delegations",
      "/catalog",
      "/catalog/entitlements",
      "/identities",
      "/campaigns",
      "/campaigns/new",
      "/findings",
      "/admin/policy",
      "/audit",
      "/audit/grants",
      "/audit/ledger",
      "/audit/evidence",
      "/audit/controls",
      "/audit/access-as-of",
    ]) {
      await visit(path);
    }
    // A page with progress bars, reached by a client-side navigation (the scripts really run: hydrated).
    await page.goto("/campaigns");
    const hrefs = await page.locator('main a[href^="/campaigns/"]').evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    const campaign = hrefs.find((h) => /^\/campaigns\/[0-9a-f-]{36}$/.test(h));
    if (campaign) {
      await page.locator(`main a[href="${campaign}"]`).first().click();
      await page.waitForURL((url) => url.pathname === campaign);
      await expect(signedInAs(page)).toBeVisible();
    }
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);

    // The policy is enforced, not only sent: markup injected the way an XSS would (an inline event handler)
    // does not run, and the browser reports it.
    await page.evaluate(() => {
      (window as unknown as { __csp?: string[] }).__csp = [];
      const div = document.createElement("div");
      div.innerHTML = '<img alt="" src="/no-such-image.png" onerror="window.__injected = true">';
      document.body.appendChild(div);
    });
    await expect.poll(() => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([expect.stringMatching(/^script-src/)]);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected === true)).toBe(false);
  });
});

test.describe("the Origin check", () => {
  test("a cross-site mutation is refused before it runs; the same one from the portal's origin is not", async ({ adminPage: page, baseURL }) => {
    const me = (await (await trpcGet(page.request, "me.profile")).json()).result.data.json as { id: string };
    const name = `Edge probe ${randomUUID().slice(0, 8)}`;
    const create = { json: { name, description: "", ownerId: me.id, criticality: "LOW", connector: "MANUAL", connectorConfig: {} } };

    const forged = await page.request.post("/api/trpc/catalog.createSystem", { headers: { origin: EVIL, "content-type": "application/json" }, data: create });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).error.message).toContain("another site (https://evil.example)");
    // Without Origin, a cross-site Sec-Fetch-Site is refused too.
    const fetchSite = await page.request.post("/api/trpc/catalog.createSystem", { headers: { "sec-fetch-site": "cross-site", "content-type": "application/json" }, data: create });
    expect(fetchSite.status()).toBe(403);
    expect(await systemsNamed(page.request, name)).toBe(0);

    // A forged sign-out is refused as well: the session still works afterwards.
    const signOut = await page.request.post("/api/auth/signout", { headers: { origin: EVIL }, form: { csrfToken: "x" } });
    expect(signOut.status()).toBe(403);
    expect((await trpcGet(page.request, "me.profile")).status()).toBe(200);

    // From the portal's own origin the request passes the edge and reaches tRPC, which checks its input as
    // usual (a bad owner id here, so nothing is created either).
    const own = await page.request.post("/api/trpc/catalog.createSystem", { headers: { origin: baseURL!, "content-type": "application/json" }, data: { json: { ...create.json, ownerId: "not-a-uuid" } } });
    expect(own.status()).toBe(400);
    expect(JSON.stringify(await own.json())).toContain("ownerId");
  });
});

test.describe("limits before parsing", () => {
  test("an oversized body is refused (declared or chunked), and the mutation it carried did not run", async ({ adminPage: page, baseURL }) => {
    const me = (await (await trpcGet(page.request, "me.profile")).json()).result.data.json as { id: string };
    const name = `Edge big ${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ json: { name, description: "x".repeat(MAX_BODY + 10), ownerId: me.id, criticality: "LOW", connector: "MANUAL", connectorConfig: {} } });

    const declared = await page.request.post("/api/trpc/catalog.createSystem", { headers: { "content-type": "application/json" }, data: body });
    expect(declared.status()).toBe(413);
    expect(JSON.stringify(await declared.json())).toContain("too large");

    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const chunked = await postChunked(`${baseURL}/api/trpc/catalog.createSystem`, 4 * MAX_BODY, { cookie, "content-type": "application/json" });
    expect(chunked.status).toBe(413);
    expect(chunked.body).toContain("too large");
    expect(await systemsNamed(page.request, name)).toBe(0);
  });

  test("a batch over the limit is refused whole before any call runs; a batch at the limit runs", async ({ adminPage: page }) => {
    const me = (await (await trpcGet(page.request, "me.profile")).json()).result.data.json as { id: string };
    const name = `Edge batch ${randomUUID().slice(0, 8)}`;
    const calls = MAX_BATCH + 1;
    const inputs = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [String(i), { json: { name: `${name} ${i}`, description: "", ownerId: me.id, criticality: "LOW", connector: "MANUAL", connectorConfig: {} } }]),
    );
    const path = Array.from({ length: calls }, () => "catalog.createSystem").join(",");
    const res = await page.request.post(`/api/trpc/${path}?batch=1`, { headers: { "content-type": "application/json" }, data: inputs });
    expect(res.status()).toBe(413);
    expect((await res.json()).error.json.message).toContain(`at most ${MAX_BATCH}`);
    expect(await systemsNamed(page.request, name)).toBe(0);

    const atLimit = await page.request.get(`/api/trpc/${Array.from({ length: MAX_BATCH }, () => "me.current").join(",")}?batch=1`);
    expect(atLimit.status()).toBe(200);
    expect(await atLimit.json()).toHaveLength(MAX_BATCH);
    const over = await page.request.get(`/api/trpc/${Array.from({ length: MAX_BATCH + 1 }, () => "me.current").join(",")}?batch=1`);
    expect(over.status()).toBe(413);
  });
});

test.describe("rate limits", () => {
  /** Sends attempts until the first 429; returns how many were admitted before it and the refusal. */
  async function untilRefused(send: () => Promise<APIResponse>, limit: number, weight = 1) {
    // A fixed window may end in the middle of the run, so up to twice the limit can pass; never fewer than it.
    for (let admitted = 0; admitted <= 2 * limit + weight; admitted += weight) {
      const res = await send();
      if (res.status() === 429) return { admitted, res };
    }
    throw new Error(`no 429 after ${2 * limit} attempts`);
  }

  test("sign-in attempts per address + account, then per address: 429 with Retry-After and a clear message", async ({ request }) => {
    const from = address();
    const email = DEMO.employee.email;
    const perAccount = await untilRefused(
      () => request.post("/api/auth/callback/demo", { headers: { "x-forwarded-for": from }, form: { email, csrfToken: "x", json: "true" }, maxRedirects: 0 }),
      LIMITS.signinPerAccount,
    );
    expect(perAccount.admitted).toBeGreaterThanOrEqual(LIMITS.signinPerAccount);
    const retry = Number(perAccount.res.headers()["retry-after"]);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    const body = await perAccount.res.json();
    expect(body.error.message).toMatch(/^Too many sign-in attempts for this account from your network address\. Try again in \d+ seconds?\.$/);
    expect(body.url).toContain("/signin?error=TooManyAttempts");

    const other = address();
    const perAddress = await untilRefused(
      () => request.post("/api/auth/callback/demo", { headers: { "x-forwarded-for": other }, form: { csrfToken: "x", json: "true" }, maxRedirects: 0 }),
      LIMITS.signinPerAddress,
    );
    expect(perAddress.admitted).toBeGreaterThanOrEqual(LIMITS.signinPerAddress);
    expect((await perAddress.res.json()).error.message).toContain("Too many sign-in attempts from your network address");

    // The browser suite's own address (127.0.0.1) was never counted: a sign-in from it still works.
    const providers = await request.get("/api/auth/providers");
    expect(providers.status()).toBe(200);
  });

  test("tRPC calls per address count each call of a batch: 429 with Retry-After in tRPC's error shape, nothing run", async ({ request }) => {
    const from = address();
    const batch = `/api/trpc/${Array.from({ length: MAX_BATCH }, () => "me.current").join(",")}?batch=1`;
    const out = await untilRefused(() => request.get(batch, { headers: { "x-forwarded-for": from } }), LIMITS.callsPerAddress, MAX_BATCH);
    expect(out.admitted).toBeGreaterThanOrEqual(LIMITS.callsPerAddress);
    expect(Number(out.res.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
    const err = (await out.res.json()).error.json;
    expect(err).toMatchObject({ data: { code: "TOO_MANY_REQUESTS", httpStatus: 429 } });
    expect(err.message).toMatch(/^Too many requests from your network address\. Try again in \d+ seconds?\. Nothing was run\.$/);
  });
});

test.describe("sessions and sign-in", () => {
  test("the demo sign-in refuses an active person who is not a demo account", async ({ playwright, baseURL }) => {
    const ctx = await playwright.request.newContext({ baseURL });
    const signIn = async (email: string) => {
      const { csrfToken } = await (await ctx.get("/api/auth/csrf")).json();
      const res = await ctx.post("/api/auth/callback/demo", { form: { email, csrfToken, callbackUrl: "/", json: "true" } });
      return { res, session: await (await ctx.get("/api/auth/session")).json() };
    };
    const refused = await signIn(HANNAH.email);
    expect(refused.res.status()).not.toBe(200);
    expect((await refused.res.json()).url).toContain("error=CredentialsSignin");
    expect(refused.session).toEqual({});
    // The same request for a demo account works: what was refused is the person, not the request.
    const accepted = await signIn(DEMO.employee.email);
    expect(accepted.session.user?.email).toBe(DEMO.employee.email);
    await ctx.dispose();
  });

  test("a session cookie copied before sign-out is refused after it", async ({ page, signInAs, playwright, baseURL }) => {
    await signInAs(page, "employee");
    const copy = await withCopiedCookies(playwright, baseURL!, page);
    expect((await trpcGet(copy, "me.profile")).status()).toBe(200);
    expect((await (await copy.get("/api/auth/session")).json()).user?.email).toBe(DEMO.employee.email);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);

    expect((await trpcGet(copy, "me.profile")).status()).toBe(401);
    expect(await (await copy.get("/api/auth/session")).json()).toEqual({});
    expect((await copy.get("/api/evidence/public-key")).status()).toBe(401);
    const portal = await copy.get("/", { maxRedirects: 0 });
    expect(portal.status()).toBeGreaterThanOrEqual(300);
    expect(portal.headers()["location"] ?? "").toContain("/signin");
    await copy.dispose();
  });

  test("a deprovisioned person's copied cookie is refused at once", async ({ browser, adminPage, playwright, baseURL }) => {
    // Hannah signs in with the company IdP (she is no demo account).
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto("/signin");
    await page.getByRole("button", { name: /^Sign in with / }).click();
    await new IdpLoginPage(page).signIn(HANNAH.email);
    await page.waitForURL((url) => url.origin === new URL(baseURL!).origin && url.pathname !== "/signin");
    await expect(signedInAs(page)).toHaveText(HANNAH.name);
    const copy = await withCopiedCookies(playwright, baseURL!, page);
    const hannah = (await (await trpcGet(copy, "me.profile")).json()).result.data.json as { id: string };

    // An admin deprovisions her, from the portal's own origin (the Origin check lets a real page's change through).
    const res = await adminPage.request.post("/api/trpc/grants.deprovisionIdentity", {
      headers: { origin: baseURL!, "content-type": "application/json" },
      data: { json: { identityId: hannah.id, reason: "Left the company (security e2e)" } },
    });
    expect(res.status()).toBe(200);

    expect((await trpcGet(copy, "me.profile")).status()).toBe(401);
    expect(await (await copy.get("/api/auth/session")).json()).toEqual({});
    await page.reload();
    await expect(page).toHaveURL(/\/signin/);
    await copy.dispose();
    await context.close();
  });
});
