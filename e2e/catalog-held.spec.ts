/**
 * The catalog knows me, in the browser: my profile offers Extend and Remove my access on my grants; an
 * entitlement I hold says so (until when) and offers Remove my access, which answers with a toast and shows
 * the access being removed; the Cmd/Ctrl-K palette finds it and opens it from the keyboard. Screenshots at
 * 1440 and 390 px go to test-results.
 */
import { test, expect, signedInAs } from "./fixtures";

test("held access: profile actions, the entitlement page, Remove my access, and the Cmd-K palette", async ({ employeePage: page }, testInfo) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  // My profile: each grant I hold has Remove my access (and Extend when it has an end date).
  await signedInAs(page).click();
  const held = page.getByRole("table", { name: "Access held" });
  const row = held.getByRole("row").filter({ has: page.getByRole("button", { name: "Remove my access" }) }).first();
  await expect(row).toBeVisible();
  const entitlementLink = row.getByRole("link").first();
  const name = (await entitlementLink.textContent())!.trim();
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`my-profile-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // The entitlement's page knows I hold it.
  await entitlementLink.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  const mine = page.getByTestId("my-access");
  await expect(mine).toContainText("You hold it");
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`entitlement-held-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Remove my access: a reason, then a toast, and the page shows it being removed.
  await mine.getByRole("button", { name: "Remove my access" }).click();
  await mine.getByRole("textbox").fill("I moved to another team");
  await mine.getByRole("button", { name: "Remove my access" }).click();
  await expect(page.getByText(`Removing ${name}`)).toBeVisible();
  await expect(mine).toContainText("Being removed from you");
  await page.screenshot({ path: testInfo.outputPath("entitlement-removing-1440.png"), fullPage: true });

  // Cmd/Ctrl-K: the palette finds the entitlement and opens it from the keyboard.
  await page.goto("/");
  await page.keyboard.press("ControlOrMeta+k");
  const dialog = page.getByRole("dialog", { name: "Search Warrant" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("combobox").fill(name);
  const option = dialog.getByRole("option", { name: new RegExp(name) }).first();
  await expect(option).toBeVisible();
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`command-palette-${width}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await page.getByTestId("open-search").click();
  await dialog.getByRole("combobox").fill(name);
  await expect(dialog.getByRole("option", { name: new RegExp(name) }).first()).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/(catalog\/entitlements|identities|catalog\/systems|requests|campaigns)\//);
});
