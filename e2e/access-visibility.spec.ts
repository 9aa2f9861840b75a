/**
 * Reads are no broader than the job needs, in the browser: an employee opening a colleague's page sees who
 * they are, not what they hold; the colleague's manager sees the access. The directory shows no emails or
 * access counts of other people to an employee. Screenshots at 1440 and 390 px go to test-results.
 */
import { test, expect, DEMO } from "./fixtures";

async function openPerson(page: import("@playwright/test").Page, name: string) {
  await page.goto(`/identities?q=${encodeURIComponent(name)}`);
  await page.getByRole("link", { name: new RegExp(name) }).first().click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
}

test("an employee sees a colleague's profile but not their access; their manager sees it", async ({ employeePage, managerPage }, testInfo) => {
  // Priya (employee) looks at Omar (security officer): no relationship.
  await openPerson(employeePage, DEMO.security.name);
  await expect(employeePage.getByTestId("access-hidden")).toContainText("shown to them, their manager");
  await expect(employeePage.getByRole("heading", { name: /^Access held/ })).toHaveCount(0);
  await expect(employeePage.getByText(DEMO.security.email)).toHaveCount(0);
  for (const width of [1440, 390]) {
    await employeePage.setViewportSize({ width, height: 900 });
    await employeePage.screenshot({ path: testInfo.outputPath(`colleague-profile-${width}.png`), fullPage: true });
  }

  // The directory: names and departments, no one else's email or access count.
  await employeePage.setViewportSize({ width: 1440, height: 900 });
  await employeePage.goto(`/identities?q=${encodeURIComponent("Omar")}`);
  await expect(employeePage.getByRole("link", { name: new RegExp(DEMO.security.name) }).first()).toBeVisible();
  await expect(employeePage.getByText(DEMO.security.email)).toHaveCount(0);
  await employeePage.screenshot({ path: testInfo.outputPath("directory-employee-1440.png"), fullPage: true });

  // Marcus (Priya's manager) sees what Priya holds.
  await openPerson(managerPage, DEMO.employee.name);
  await expect(managerPage.getByRole("heading", { name: /^Access held/ })).toBeVisible();
  await expect(managerPage.getByTestId("access-hidden")).toHaveCount(0);
  await expect(managerPage.getByText(DEMO.employee.email)).toBeVisible();
});
