/**
 * Clear on any screen (issue 14): on a phone (390 px) the navigation is a menu and tables are cards that show
 * their main action; dark mode follows the system until the person chooses, and the choice persists.
 * Screenshots of the inbox and the review pages at 1440 and 390 px, light and dark, land in test-results/.
 */
import type { Page } from "@playwright/test";
import { test, expect, DEMO, signInAs, waitForHydrationOnGoto } from "./fixtures";
import { RequestAccessPage, myIdentityId } from "./pages/lifecycle.page";
import { CampaignsPage } from "./pages/campaigns.page";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

/** Screenshots of the page as it is, at 1440 and 390 px wide, in light and dark. */
async function shoot(page: Page, name: string) {
  for (const mode of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: mode });
    if (mode === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
    for (const [w, size] of [["1440", DESKTOP], ["390", PHONE]] as const) {
      await page.setViewportSize(size);
      await page.screenshot({ path: test.info().outputPath(`${name}-${w}-${mode}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** The page does not scroll sideways; if it does, the message names the elements that stick out. */
async function expectNoSidewaysScroll(page: Page) {
  const { scroll, client, wide } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const wide = [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > client + 1 && !el.closest("[data-table-frame]"))
      .slice(0, 5)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> ${Math.round(el.getBoundingClientRect().right)} px: ${(el.textContent ?? "").trim().slice(0, 80)}`);
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  expect(scroll, `page width (${page.url()}); sticking out:\n${wide.join("\n")}`).toBeLessThanOrEqual(client);
}

/** Opens the phone menu, checks it lists the navigation, and follows `link` from it. */
async function navigateByMenu(page: Page, link: string) {
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  const button = page.getByRole("button", { name: "Menu" });
  await expect(button).toHaveAttribute("aria-expanded", "false");
  await button.click();
  await expect(button).toHaveAttribute("aria-expanded", "true");
  const menu = page.getByRole("navigation", { name: "Menu" });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("button", { name: "Sign out" })).toBeVisible();
  await menu.getByRole("link", { name: link, exact: true }).click();
  await expect(menu).toBeHidden(); // it closes once the page changes
}

test("on a phone the approver's inbox is reached through the menu and shows each request as a card with its action", async ({ employeePage, managerPage }) => {
  test.setTimeout(240_000);
  const request = new RequestAccessPage(employeePage);
  await request.open("datadog:log-rehydration");
  await request.submit({ justification: "Rehydrate last month's payment-gateway logs for the chargeback investigation.", duration: 7, unit: "days" });
  const requestPath = await request.openRequest();

  const page = managerPage;
  await page.setViewportSize(PHONE);
  await page.goto("/");
  await expectNoSidewaysScroll(page);
  await navigateByMenu(page, "Approvals");
  await page.waitForURL(/\/approvals$/);

  const table = page.getByRole("table", { name: "Approvals waiting for you" });
  await expect(table).toHaveAttribute("data-interactive", "true");
  // The inbox lists the oldest first, 25 to a page, and other specs leave requests waiting for this manager:
  // find this one with the search box, as a person with a long inbox would. The search reaches the URL 350 ms
  // after the last key; a re-render from the server in that time can drop it, so type again until it lands.
  const search = page.getByRole("searchbox", { name: /Search by entitlement/ });
  await expect(async () => {
    await search.fill("log-rehydration");
    await page.waitForURL((url) => url.searchParams.get("q") === "log-rehydration", { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  const card = table.locator("tr[data-card]").filter({ hasText: "datadog:log-rehydration" }).filter({ hasText: DEMO.employee.name });
  await expect(card).toHaveCount(1);
  await expect(card).toHaveCSS("display", "grid");
  // The inbox now selects rows for bulk decisions: on a phone its header row stays only to carry "select all".
  await expect(table.getByRole("checkbox", { name: "Select every request on this page" })).toBeVisible();
  // Values carry their column's name on a card.
  await expect(card.locator("td[data-label='Risk']")).toBeVisible();
  const open = card.getByRole("link", { name: "Open" });
  await expect(open).toBeVisible();
  await expectNoSidewaysScroll(page);
  await shoot(page, "inbox");

  await page.setViewportSize(PHONE);
  await open.click();
  await page.waitForURL((u) => u.pathname === requestPath);
});

test("on a phone the review pages show cards with Keep and Revoke, and the campaign page fits", async ({ adminPage, ownerPage }) => {
  test.setTimeout(240_000);
  const campaigns = new CampaignsPage(adminPage);
  const campaignPath = await campaigns.create({
    name: `Phone layout review ${Date.now()}`,
    systems: ["Production Database"],
    strategy: /^Entitlement owner/,
    fallbackId: await myIdentityId(adminPage),
    defaultAction: /^Keep/,
  });
  await campaigns.launch();

  // The campaign's page, as the admin who runs it.
  await adminPage.setViewportSize(PHONE);
  await adminPage.goto(campaignPath);
  await expect(adminPage.getByRole("button", { name: "Menu" })).toBeVisible();
  await expectNoSidewaysScroll(adminPage);
  await shoot(adminPage, "campaign");

  // The reviewer's workspace on a phone.
  const page = ownerPage;
  await page.setViewportSize(PHONE);
  await page.goto(`${campaignPath}/review`);
  const table = page.getByRole("table", { name: "My review items" });
  await expect(table).toHaveAttribute("data-interactive", "true");
  const card = table.locator("tr[data-card]").first();
  await expect(card).toHaveCSS("display", "grid");
  await expect(card.getByRole("button", { name: /^Keep / })).toBeVisible();
  await expect(card.getByRole("button", { name: /^Revoke / })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await shoot(page, "review");

  await page.setViewportSize(PHONE);
  await navigateByMenu(page, "Home");
  await page.waitForURL((u) => u.pathname === "/");
});

test("dark mode follows the system until the person chooses, and the choice persists", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, colorScheme: "dark" });
  const page = waitForHydrationOnGoto(await context.newPage(), baseURL);
  await signInAs(page, "employee");
  const html = page.locator("html");
  const toggle = page.getByRole("switch", { name: "Dark mode" });

  // Nothing chosen: the system's setting, both ways.
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await page.emulateMedia({ colorScheme: "light" });
  await expect(html).not.toHaveClass(/\bdark\b/);
  await expect(toggle).toHaveAttribute("aria-checked", "false");

  // Chosen: dark, against a light system, and it survives a reload and a new page.
  await toggle.click();
  await expect(html).toHaveClass(/\bdark\b/);
  await expect.poll(() => page.evaluate(() => localStorage.getItem("warrant-theme"))).toBe("dark");
  await page.reload();
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await expect(html).toHaveClass(/\bdark\b/);
  await page.goto("/requests");
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(toggle).toHaveAttribute("aria-checked", "true");

  // Choosing what the system shows goes back to following the system.
  await page.emulateMedia({ colorScheme: "dark" });
  await toggle.click(); // light, while the system is dark: stored as light
  await expect(html).not.toHaveClass(/\bdark\b/);
  await expect.poll(() => page.evaluate(() => localStorage.getItem("warrant-theme"))).toBe("light");
  await toggle.click(); // dark again = the system's setting
  await expect(html).toHaveClass(/\bdark\b/);
  await expect.poll(() => page.evaluate(() => localStorage.getItem("warrant-theme"))).toBe("system");
  await page.emulateMedia({ colorScheme: "light" });
  await expect(html).not.toHaveClass(/\bdark\b/);
  await context.close();
});
