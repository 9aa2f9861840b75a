/**
 * The REST API over real HTTP against the built portal, and its reference page: /api/v1/openapi.json is served
 * without a token; an operation without a token is a 401 problem; the reference page is reached from the
 * navigation, lists the operations with their scopes, passes axe (WCAG 2.1 A/AA, serious and critical) in light
 * and dark mode, and does not scroll sideways on a phone (390 px).
 */
import AxeBuilder from "@axe-core/playwright";
import { test, expect } from "./fixtures";

test("the API's OpenAPI document is public; its operations need an API client's token", async ({ request }) => {
  const doc = await request.get("/api/v1/openapi.json");
  expect(doc.status()).toBe(200);
  const body = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(body.openapi).toBe("3.1.0");
  expect(Object.keys(body.paths)).toContain("/requests");
  const refused = await request.post("/api/v1/requests", { data: { entitlementId: "x" } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["content-type"]).toContain("application/problem+json");
  expect((await refused.json()).type).toBe("https://warrant.dev/problems/unauthenticated");
});

test("the API reference page: from the navigation, every operation with its scope, accessible, fits a phone", async ({ employeePage: page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/");
  await page.getByRole("link", { name: "API reference" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 3, name: /POST \/api\/v1\/requests$/ })).toBeVisible();
  await expect(page.getByText("requests:on-behalf").first()).toBeVisible();
  await page.screenshot({ path: "test-results/api-reference-1440.png", fullPage: false });
  await page.getByRole("heading", { level: 3, name: /POST \/api\/v1\/requests$/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/api-reference-1440-operation.png", fullPage: false });

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
    const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
    expect(serious, `axe (${scheme})`).toEqual([]);
  }

  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/api-reference-390.png", fullPage: false });
  await page.getByRole("heading", { level: 3, name: /POST \/api\/v1\/requests$/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/api-reference-390-operation.png", fullPage: false });
});
