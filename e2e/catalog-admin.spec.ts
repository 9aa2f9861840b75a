/**
 * The catalog, admin and auditor: the admin adds an entitlement to an existing system through the forms,
 * finds it again by searching the entitlements table and opens it. The auditor (another browser) sees the
 * same entitlement and the catalog with no edit or "new" controls, and a mutation sent straight from the
 * auditor's session is refused with 403 and creates nothing. The admin connects a SCIM 2.0 application through
 * the system form (settings checked per field).
 */
import path from "node:path";
import { test, expect, type DemoRole } from "./fixtures";
import type { Page } from "@playwright/test";

/** Catalog pages as a person uses them (labels and roles only, no CSS selectors). */
class Catalog {
  constructor(readonly page: Page) {}

  async openSystem(name: string) {
    await this.page.goto("/catalog");
    await this.page.getByRole("table", { name: "Systems" }).getByRole("link", { name, exact: true }).click();
    await this.page.waitForURL(/\/catalog\/systems\/[0-9a-f-]{36}$/);
    await expect(this.page.getByRole("heading", { level: 1, name })).toBeVisible();
  }

  /** Types into the entitlements table's search box and waits for the URL (the table's state) to follow. */
  async searchEntitlements(q: string) {
    await this.page.goto("/catalog/entitlements");
    await this.page.getByRole("searchbox", { name: /Search entitlements/ }).fill(q);
    await this.page.waitForURL((url) => url.searchParams.get("q") === q);
  }

  entitlementsTable() {
    return this.page.getByRole("table", { name: "Entitlements" });
  }

  /** Every control that changes the catalog; none may be visible to a read-only person. */
  editControls() {
    return this.page
      .getByRole("link", { name: /^(New system|New entitlement|Edit system)$/ })
      .or(this.page.getByRole("button", { name: /^(Edit entitlement|Save changes|Create system|Create entitlement)$/ }));
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(test.info().outputDir, `${name}.png`), fullPage: true });

const SYSTEM = "Production Database";
// Unique per run, so the spec can run again against the same database.
const ENTITLEMENT = `prod-db:e2e-report-reader-${Date.now().toString(36)}`;
const FORBIDDEN_SYSTEM = `Auditor Shadow System ${Date.now().toString(36)}`;
const SCIM_SYSTEM = `CRM (SCIM) ${Date.now().toString(36)}`;

let entitlementUrl = "";

test.describe.serial("catalog administration", () => {
  test("an admin adds an entitlement to a system and finds it by searching the catalog", async ({ page, signInAs }) => {
    await signInAs(page, "admin" satisfies DemoRole);
    const catalog = new Catalog(page);
    await catalog.openSystem(SYSTEM);
    await page.getByRole("link", { name: "New entitlement" }).click();
    await page.waitForURL(/\/catalog\/entitlements\/new\?systemId=/);
    await expect(page.getByLabel("System", { exact: true })).toHaveValue(/[0-9a-f-]{36}/);

    const form = page.getByRole("form", { name: "New entitlement" });
    await form.getByLabel("Name", { exact: true }).fill(ENTITLEMENT);
    await form.getByLabel("Description").fill("Read-only access to the reporting views, for the finance close.");
    await form.getByLabel("Risk", { exact: true }).selectOption("HIGH");
    await form.getByLabel("Privileged").check();
    // Privileged access longer than 90 days is refused, with the rule stated next to the field.
    await form.getByLabel("Maximum duration (days)").fill("120");
    await form.getByRole("button", { name: "Create entitlement" }).click();
    await expect(form.getByRole("alert")).toContainText("at most 90 days");
    await expect(form.getByLabel("Maximum duration (days)")).toHaveAttribute("aria-invalid", "true");
    await shot(page, "catalog-new-entitlement-refused");

    await form.getByLabel("Maximum duration (days)").fill("30");
    await form.getByLabel("External reference").fill("reporting_reader");
    await form.getByRole("button", { name: "Create entitlement" }).click();
    await page.waitForURL(/\/catalog\/entitlements\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(ENTITLEMENT);
    await expect(page.getByText("Privileged", { exact: true })).toBeVisible();
    await expect(page.getByText("30 days")).toBeVisible();
    entitlementUrl = new URL(page.url()).pathname;

    const catalog2 = new Catalog(page);
    await catalog2.searchEntitlements(ENTITLEMENT);
    const table = catalog2.entitlementsTable();
    await expect(table.getByRole("row")).toHaveCount(2); // header + the one match
    await expect(table).toContainText(SYSTEM);
    await expect(table).toContainText("High risk");
    await shot(page, "catalog-entitlement-search");
    await table.getByRole("link", { name: ENTITLEMENT }).click();
    await page.waitForURL((url) => url.pathname === entitlementUrl);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(ENTITLEMENT);
    await expect(page.getByRole("button", { name: "Edit entitlement" })).toBeVisible();
    await shot(page, "catalog-entitlement-admin");
  });

  test("an auditor sees the catalog read-only and cannot change it, even by calling the API", async ({ browser, baseURL, signInAs }) => {
    expect(entitlementUrl, "the admin test must have created the entitlement").not.toBe("");
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await signInAs(page, "auditor");
    const catalog = new Catalog(page);

    await page.goto(entitlementUrl);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(ENTITLEMENT);
    await expect(page.getByRole("heading", { name: "Who holds it" })).toBeVisible();
    await expect(page.getByRole("table", { name: "Holders" })).toBeVisible();
    await expect(catalog.editControls()).toHaveCount(0);
    await shot(page, "catalog-entitlement-auditor");

    await catalog.openSystem(SYSTEM);
    await expect(catalog.entitlementsTable()).toBeVisible();
    await expect(catalog.editControls()).toHaveCount(0);
    const ownerHref = await page.getByRole("link", { name: "Sofia Alvarez" }).first().getAttribute("href");
    const ownerId = ownerHref!.split("/").pop()!;
    await shot(page, "catalog-system-auditor");

    for (const url of ["/catalog", "/catalog/entitlements"]) {
      await page.goto(url);
      await expect(page.getByRole("table")).toBeVisible();
      await expect(catalog.editControls()).toHaveCount(0);
    }
    await shot(page, "catalog-entitlements-auditor");

    // A well-formed mutation from the auditor's own session, bypassing the UI: refused, nothing created.
    const res = await page.request.post("/api/trpc/catalog.createSystem", {
      headers: { "content-type": "application/json" },
      data: { json: { name: FORBIDDEN_SYSTEM, description: "", ownerId, criticality: "LOW", connector: "MANUAL", connectorConfig: {} } },
    });
    expect(res.status()).toBe(403);
    expect(JSON.stringify(await res.json())).toContain("Auditors have read-only access");

    await page.goto(`/catalog?q=${encodeURIComponent(FORBIDDEN_SYSTEM)}`);
    await expect(page.getByRole("table", { name: "Systems" })).toContainText("No systems match these filters.");
    const read = await page.request.get(`/api/trpc/catalog.listSystems?input=${encodeURIComponent(JSON.stringify({ json: { q: FORBIDDEN_SYSTEM } }))}`);
    expect(read.status()).toBe(200);
    expect((await read.json()).result.data.json.total).toBe(0);
    await context.close();
  });

  test("an admin connects a SCIM 2.0 application: the settings are checked per field, and the system page shows the connector", async ({ page, signInAs }) => {
    await signInAs(page, "admin" satisfies DemoRole);
    await page.goto("/catalog/systems/new");
    const form = page.getByRole("form", { name: "New system" });
    await form.getByLabel("Name", { exact: true }).fill(SCIM_SYSTEM);
    await form.getByLabel("Search people").fill("sofia.alvarez");
    const sofia = form.getByLabel("Owner", { exact: true }).locator("option", { hasText: "Sofia Alvarez" }).first();
    await expect(sofia).toBeAttached();
    await form.getByLabel("Owner", { exact: true }).selectOption((await sofia.getAttribute("value"))!);
    await form.getByLabel("Connector", { exact: true }).selectOption("SCIM");
    await expect(form.getByText(/over SCIM 2.0/)).toBeVisible();

    // Plain http to another host, and one of the portal's own settings as the token: each refused next to its field.
    await form.getByLabel("SCIM base URL").fill("http://crm.example.test/scim/v2");
    await form.getByLabel("Bearer token reference").fill("env:NEXTAUTH_SECRET");
    await form.getByRole("button", { name: "Create system" }).click();
    await expect(form.getByLabel("SCIM base URL")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Bearer token reference")).toHaveAttribute("aria-invalid", "true");
    await expect(form).toContainText("https://");
    await expect(form).toContainText("WARRANT_CONNECTOR_");
    await shot(page, "catalog-scim-system-refused");
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(form.getByLabel("Bearer token reference")).toBeVisible();
    await shot(page, "catalog-scim-system-refused-phone");
    await page.setViewportSize(desktop);

    await form.getByLabel("SCIM base URL").fill("https://crm.example.test/scim/v2");
    await form.getByLabel("Bearer token reference").fill("env:WARRANT_CONNECTOR_CRM_SCIM_TOKEN");
    await form.getByRole("button", { name: "Create system" }).click();
    await page.waitForURL(/\/catalog\/systems\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name: SCIM_SYSTEM })).toBeVisible();
    await expect(page.getByText("Connector: SCIM 2.0 application")).toBeVisible();
    await expect(page.getByText("SCIM base URL")).toBeVisible();
    await expect(page.getByText("https://crm.example.test/scim/v2")).toBeVisible();
    await expect(page.getByText("env:WARRANT_CONNECTOR_CRM_SCIM_TOKEN")).toBeVisible();
    await shot(page, "catalog-scim-system");
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByText("Connector: SCIM 2.0 application")).toBeVisible();
    await shot(page, "catalog-scim-system-phone");
  });
});
