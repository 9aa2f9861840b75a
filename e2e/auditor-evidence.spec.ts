/**
 * The auditor's evidence workflow, end to end: open a grant's lineage, export a signed evidence pack for a
 * period through the UI, watch it finish, download it, and verify the downloaded zip offline with the
 * command-line verifier and the public key the portal publishes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test, expect, DEMO } from "./fixtures";
import { runJobs } from "./pages/lifecycle.page";
import { ROOT } from "./servers";

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

test("the auditor reads a grant's lineage, exports an evidence pack through the UI, and it verifies offline", async ({ auditorPage: page }, testInfo) => {
  test.setTimeout(120_000);

  // 1. A grant's lineage: the auditor finds Priya's access in the grant search and opens one grant.
  await page.goto("/audit");
  await page.getByRole("link", { name: /Grant lineage/ }).click();
  await page.waitForURL(/\/audit\/grants(\?|$)/);
  await page.getByLabel("Holder, email, entitlement, system or id…").fill(DEMO.employee.email);
  await page.waitForURL(/[?&]q=/);
  const firstGrant = page.getByRole("link", { name: new RegExp(DEMO.employee.name) }).first();
  await expect(firstGrant).toBeVisible();
  await firstGrant.click();
  await page.waitForURL(/\/audit\/grants\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^${DEMO.employee.name} — `) })).toBeVisible();

  // 2. The evidence page: the signing key's id and public key are shown.
  await page.goto("/audit");
  await page.getByRole("link", { name: /Evidence packs/ }).click();
  await page.waitForURL(/\/audit\/evidence$/);
  await expect(page.getByRole("heading", { level: 1, name: "Evidence packs" })).toBeVisible();
  const keyRes = await page.request.get("/api/evidence/public-key");
  expect(keyRes.ok()).toBe(true);
  const keyId = keyRes.headers()["x-evidence-key-id"];
  expect(keyId).toMatch(/^[0-9a-f]{16}$/);
  const pem = await keyRes.text();
  expect(pem).toContain("BEGIN PUBLIC KEY");
  await expect(page.getByTestId("evidence-key-id")).toHaveText(keyId);
  await expect(page.getByTestId("evidence-public-key")).toContainText("BEGIN PUBLIC KEY");
  await expect(page.getByText("npm run evidence:verify -- pack.zip --public-key warrant-evidence.pub")).toBeVisible();

  // 3. Export a pack for a period around today (wide, in case an earlier spec moved the business clock).
  const from = isoDay(new Date(Date.now() - 365 * DAY));
  const to = isoDay(new Date(Date.now() + 365 * DAY));
  const form = page.getByRole("form", { name: "Export an evidence pack" });
  await form.getByLabel("From").fill(from);
  await form.getByLabel("To", { exact: true }).fill(to);
  await form.getByLabel(/All systems/).check();
  await form.getByRole("button", { name: "Start export" }).click();
  await expect(page.getByTestId("export-started")).toHaveText(/Export queued/);

  const row = page.getByTestId("evidence-export").filter({ hasText: `${from} → ${to}` }).first();
  await expect(row).toBeVisible();
  await expect(row.getByRole("progressbar")).toBeVisible();
  // The in-process worker would pick it up within its interval; run the jobs now instead.
  await runJobs(page);
  await expect(row).toHaveAttribute("data-status", "DONE", { timeout: 30_000 });
  await expect(row.getByText("Ready")).toBeVisible();
  await expect(row.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  const sha = await row.getByTestId("export-sha256").getAttribute("title");
  expect(sha).toMatch(/^[0-9a-f]{64}$/);

  // 4. Download it.
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: /Download the evidence pack/ }).click()]);
  expect(download.suggestedFilename()).toBe(`warrant-evidence-${from}-${to}.zip`);
  const outDir = testInfo.outputPath("evidence");
  mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, download.suggestedFilename());
  await download.saveAs(zipPath);
  const keyPath = path.join(outDir, "warrant-evidence.pub");
  writeFileSync(keyPath, pem);

  // 5. Verify offline: no portal, no database, just the zip and the published key.
  const res = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/evidence-verify.ts", zipPath, "--public-key", keyPath], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", PGLITE_DIR: path.join(outDir, "no-db") },
    timeout: 60_000,
  });
  const output = `${res.stdout}\n${res.stderr}`;
  await testInfo.attach("evidence-verify.txt", { body: output, contentType: "text/plain" });
  expect(res.status, output).toBe(0);
  expect(output).toMatch(/^signature: (\d+)\/\1 valid$/m);
  expect(output).toMatch(/^files: (\d+)\/\1 valid$/m);
  expect(output).toContain("Evidence pack VALID.");
});
