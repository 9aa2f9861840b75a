/**
 * Home is "my work", for every demo role: the tiles of what waits for the person (each count equal to what
 * the page it links to lists), what expires soon with one-click Extend, what they own, and the charts of their
 * role (none for an employee; organisation figures only for security, admin and auditor). Screenshots of each
 * role's home at 1440 and 390 px wide are kept in test-results.
 */
import type { Page } from "@playwright/test";
import { test, expect, DEMO, type DemoRole } from "./fixtures";

/** The total a list page shows under its table ("Showing 1–25 of 312", or "No results"). */
async function listTotal(page: Page, url: string): Promise<number> {
  await page.goto(url);
  const pager = page.getByRole("navigation", { name: "Pagination" });
  await expect(pager).toBeVisible();
  const text = (await pager.locator("p").first().innerText()).replace(/,/g, "");
  if (/No results/.test(text)) return 0;
  const m = /of\s+(\d+)/.exec(text);
  if (!m) throw new Error(`no total in "${text}"`);
  return Number(m[1]);
}

async function tileCount(page: Page, key: string): Promise<number> {
  return Number((await page.getByTestId(`work-${key}`).getByTestId("count").innerText()).replace(/,/g, ""));
}

async function openHome(page: Page) {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Waiting for you" })).toBeVisible();
}

async function screenshots(page: Page, role: DemoRole, testInfo: import("@playwright/test").TestInfo) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    // Charts are drawn after hydration, sized to their box: wait until each one has its SVG.
    const charts = page.locator("figure[data-testid^='chart-']");
    for (let i = 0; i < (await charts.count()); i++) await expect(charts.nth(i).locator(".recharts-wrapper").first()).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`home-${role}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

const TILES: Record<DemoRole, { shown: string[]; hidden: string[] }> = {
  employee: { shown: ["approvals", "reviews", "requests"], hidden: ["tasks", "findings"] },
  manager: { shown: ["approvals", "reviews", "requests"], hidden: ["findings"] },
  owner: { shown: ["approvals", "reviews", "tasks", "requests"], hidden: ["findings"] },
  security: { shown: ["approvals", "reviews", "tasks", "findings", "requests"], hidden: [] },
  admin: { shown: ["approvals", "reviews", "tasks", "findings", "requests"], hidden: [] },
  auditor: { shown: ["findings"], hidden: ["approvals", "reviews", "tasks", "requests"] },
};

const CHARTS: Record<DemoRole, { shown: string[]; hidden: string[] }> = {
  employee: { shown: [], hidden: ["chart-requests", "chart-risk", "chart-findings", "chart-unverified"] },
  manager: { shown: ["chart-requests", "chart-ageing", "chart-risk"], hidden: ["chart-findings"] },
  owner: { shown: ["chart-requests", "chart-ageing", "chart-risk", "chart-unverified"], hidden: ["chart-findings"] },
  security: { shown: ["chart-requests", "chart-ageing", "chart-risk", "chart-unverified", "chart-findings"], hidden: [] },
  admin: { shown: ["chart-requests", "chart-ageing", "chart-risk", "chart-unverified", "chart-findings"], hidden: [] },
  auditor: { shown: ["chart-requests", "chart-ageing", "chart-risk", "chart-unverified", "chart-findings"], hidden: [] },
};

for (const role of Object.keys(TILES) as DemoRole[]) {
  test(`home of the ${role}: the right sections, counts that match the pages they link to, and screenshots`, async ({ page, signInAs }, testInfo) => {
    await signInAs(page, role);
    await openHome(page);
    await expect(page.getByRole("heading", { name: `Hello, ${DEMO[role].name.split(" ")[0]}`, level: 1 })).toBeVisible();
    for (const key of TILES[role].shown) await expect(page.getByTestId(`work-${key}`)).toBeVisible();
    for (const key of TILES[role].hidden) await expect(page.getByTestId(`work-${key}`)).toHaveCount(0);
    for (const id of CHARTS[role].shown) await expect(page.getByTestId(id).first()).toBeVisible();
    for (const id of CHARTS[role].hidden) await expect(page.getByTestId(id)).toHaveCount(0);
    if (role === "employee") await expect(page.getByTestId("home-charts")).toHaveCount(0);
    // Organisation totals only for those who read all access.
    await expect(page.getByTestId("org-totals")).toHaveCount(["security", "admin", "auditor"].includes(role) ? 1 : 0);
    // Every chart has its figures as a table.
    const firstChart = page.locator("figure[data-testid^='chart-']").first();
    if (CHARTS[role].shown.length) {
      await firstChart.getByText("Show figures").click();
      await expect(firstChart.getByRole("table")).toBeVisible();
    }
    await screenshots(page, role, testInfo);

    // Each count is what the page behind the tile lists.
    const tiles = await Promise.all(TILES[role].shown.map(async (k) => [k, await tileCount(page, k)] as const));
    for (const [key, count] of tiles) {
      if (key === "approvals") expect(await listTotal(page, "/approvals"), "approvals").toBe(count);
      if (key === "requests") expect(await listTotal(page, "/requests?status=PENDING"), "open requests").toBe(count);
      if (key === "findings") expect(await listTotal(page, "/findings?status=OPEN"), "open findings").toBe(count);
      if (key === "reviews") {
        await page.goto("/campaigns");
        const waiting = page.getByText(/items? waiting for your decision/);
        if (count === 0) await expect(waiting).toHaveCount(0);
        else await expect(waiting).toContainText(`${count.toLocaleString("en-GB")} item`);
      }
    }
  });
}

test("one-click Extend on the home page creates the extension request, which then waits for approval", async ({ managerPage: page }, testInfo) => {
  await openHome(page);
  // Marcus's merchant-config-edit ends in a few days (demo data).
  const item = page.getByTestId("expiring-item").filter({ hasText: "merchant-config-edit" });
  await expect(item).toBeVisible();
  const before = await tileCount(page, "requests");
  await item.getByRole("button", { name: /^Extend payments:merchant-config-edit on / }).click();
  const requested = item.getByTestId("extension-requested");
  await expect(requested).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("home-extend-requested-1366.png"), fullPage: true });
  // The page is refreshed from the server: the open-requests count went up by one.
  await expect(page.getByTestId("work-requests").getByTestId("count")).toHaveText(String(before + 1));
  await requested.click();
  await expect(page).toHaveURL(/\/requests\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("merchant-config-edit");
  await expect(page.getByText(/Pending/i).first()).toBeVisible();

  // Back home, the same grant offers the pending request instead of a second Extend.
  await openHome(page);
  await expect(page.getByTestId("expiring-item").filter({ hasText: "merchant-config-edit" }).getByTestId("extension-requested")).toBeVisible();
});
