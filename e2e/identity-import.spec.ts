/**
 * Importing people from an HR file: the admin uploads a CSV with a bad line and sees it listed with its line
 * number and reason, with no way to apply; uploads the corrected file, sees the joiners in the preview,
 * applies it and finds the new people in the directory. A file past what the proxy may buffer (4 MiB) is
 * read whole by the upload route (the proxy does not cut it).
 */
import path from "node:path";
import { test, expect } from "./fixtures";
import type { Page } from "@playwright/test";

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(test.info().outputDir, `${name}.png`), fullPage: true });

// Unique per run, so the spec can run again against the same database.
const run = Date.now().toString(36);
const JOINER = `Imogen Import ${run}`;
const REPORT = `Ravi Report ${run}`;
const good = [
  "email,name,department,title,manager",
  `imogen.${run}@halcyon.example,${JOINER},Finance,Controller,grace.kim@halcyon.example`,
  `ravi.${run}@halcyon.example,${REPORT},Finance,Analyst,imogen.${run}@halcyon.example`,
].join("\r\n");
const bad = `${good}\r\n,No Email ${run},Finance,Analyst,\r\nbad.${run}@halcyon.example,Bad Manager ${run},Finance,,nobody.${run}@halcyon.example`;

async function upload(page: Page, name: string, text: string) {
  await page.goto("/identities");
  await page.getByRole("link", { name: "Import people" }).click();
  await page.waitForURL(/\/identities\/import$/);
  await page.getByLabel("HR file (CSV)").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.getByRole("button", { name: "Preview changes" }).click();
  await page.waitForURL(/\/identities\/import\/[0-9a-f-]{36}/);
}

test.describe.serial("HR import", () => {
  test("a file with invalid lines shows each with its line and reason and cannot be applied", async ({ page, signInAs }) => {
    await signInAs(page, "admin");
    await upload(page, "hr-with-errors.csv", bad);
    await expect(page.getByRole("heading", { level: 1, name: "Preview of the import" })).toBeVisible();
    await expect(page.getByText("2 lines are invalid")).toBeVisible();
    const table = page.getByRole("table", { name: "Invalid rows" });
    await expect(table.getByRole("row").filter({ hasText: "The email is missing." })).toContainText("4");
    await expect(table.getByRole("row").filter({ hasText: `Unknown manager nobody.${run}@halcyon.example` })).toContainText("5");
    await expect(page.getByRole("button", { name: /^Apply/ })).toHaveCount(0);
    await shot(page, "import-invalid-1440");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "import-invalid-390");
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test("the admin previews the corrected file, applies it and finds the new people", async ({ page, signInAs }) => {
    await signInAs(page, "admin");
    await upload(page, "hr.csv", good);
    await expect(page.getByRole("link", { name: /Joiners\s*2/ })).toHaveAttribute("aria-current", "page");
    const joiners = page.getByRole("table", { name: "Joiners" });
    await expect(joiners.getByRole("row").filter({ hasText: JOINER })).toContainText("manager grace.kim@halcyon.example");
    await expect(joiners.getByRole("row").filter({ hasText: REPORT })).toContainText(`manager imogen.${run}@halcyon.example`);
    await shot(page, "import-preview-1440");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "import-preview-390");
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByRole("button", { name: "Apply 2 changes" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Import applied" })).toBeVisible();
    await shot(page, "import-applied-1440");
    await page.getByRole("link", { name: "See the people" }).click();
    await page.waitForURL((url) => url.pathname === "/identities");
    const directory = page.getByRole("table", { name: "Directory" });
    await expect(directory).toHaveAttribute("data-interactive", "true");
    // The search reaches the URL 350 ms after the last key. A table re-rendered from the server within that time
    // (the navigation finishing on a busy machine) dropped the pending search once: type again until the URL,
    // the table's state, has it.
    const search = page.getByRole("searchbox", { name: /Search by name/ });
    await expect(async () => {
      await search.fill(run);
      await page.waitForURL((url) => url.searchParams.get("q") === run, { timeout: 5_000 });
    }).toPass({ timeout: 60_000 });
    // Each row is named after its person first (Ravi's row also names Imogen, his manager).
    await expect(directory.getByRole("row", { name: new RegExp(`^${JOINER}`) })).toContainText("Finance");
    await expect(directory.getByRole("row", { name: new RegExp(`^${REPORT}`) })).toContainText(JOINER);
  });

  test("a file larger than the proxy's buffer is read whole", async ({ page, signInAs }) => {
    await signInAs(page, "admin");
    // 120,000 leaver lines for people Warrant never had: nothing to change, nothing stored per line.
    const lines = ["email,name,status"];
    for (let i = 0; i < 120_000; i++) lines.push(`gone.${i}.${run}@elsewhere.example,Former Person ${i},leaver`);
    const body = lines.join("\n");
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const res = await page.request.post(`/api/identity-import/upload?fileName=big.csv`, { data: body, headers: { "Content-Type": "text/csv" } });
    expect(res.status()).toBe(200);
    const out = (await res.json()) as { counts: { unchanged: number; INVALID: number } };
    expect(out.counts).toMatchObject({ unchanged: 120_000, INVALID: 0 });
  });
});
