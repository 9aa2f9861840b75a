/**
 * Reconciliation of the demo's "Production Database" (a real PostgreSQL target, e2e/configure-target.ts):
 * two roles are granted by hand to the auditor's member role behind Warrant's back; the system owner runs
 * "Reconcile now", adopts one as imported access and revokes the other through the connector, and sees the
 * removal confirmed by the target's read-back. Screenshots at 1440 and 390 px land in test-results/.
 */
import pg from "pg";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { myIdentityId } from "./pages/lifecycle.page";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

async function shoot(page: Page, name: string) {
  for (const [w, size] of [["1440", DESKTOP], ["390", PHONE]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: test.info().outputPath(`${name}-${w}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

test("the owner reconciles Production Database after roles were granted by hand, adopts one and revokes the other", async ({ ownerPage: page, auditorPage }) => {
  test.setTimeout(180_000);
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  expect(adminUrl, "run through scripts/e2e.sh (a real target cluster)").toBeTruthy();
  const auditorId = await myIdentityId(auditorPage);
  const member = `w_${auditorId.replace(/-/g, "")}`;

  await page.goto("/catalog");
  await page.getByRole("table", { name: "Systems" }).getByRole("link", { name: "Production Database", exact: true }).click();
  await page.waitForURL(/\/catalog\/systems\/[0-9a-f-]{36}$/);
  const section = page.getByRole("region", { name: "Reconciliation" });
  await expect(section).toBeVisible();
  // The scheduled job may be reconciling the same system at this moment: "Reconcile now" is then refused; try again.
  const reconcile = async () =>
    expect(async () => {
      await section.getByRole("button", { name: "Reconcile now" }).click();
      await expect(page.getByText("Reconciled.")).toBeVisible({ timeout: 10_000 });
    }).toPass({ timeout: 60_000 });
  // Not reconciled yet (the scheduled job usually has, at start): the first run would be the onboarding, which
  // adopts every unmanaged membership. Run it now with "adopt existing access" unticked, before the DBA's change.
  const onboarding = section.getByLabel("Adopt existing access (onboarding)");
  if (await onboarding.isVisible()) {
    await onboarding.uncheck();
    await reconcile();
    await page.reload();
  }
  await expect(onboarding).toHaveCount(0);

  // Behind Warrant's back: the DBA grants the auditor's member role two roles by hand.
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DO $$ BEGIN CREATE ROLE ${pg.escapeIdentifier(member)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await admin.query(`GRANT migrator TO ${pg.escapeIdentifier(member)}`);
    await admin.query(`GRANT primary_reader TO ${pg.escapeIdentifier(member)}`);
  } finally {
    await admin.end();
  }

  await reconcile();

  const findings = page.getByRole("table", { name: "Open reconciliation findings" });
  const row = (entitlement: string) => findings.getByRole("row").filter({ hasText: member }).filter({ hasText: entitlement });
  await expect(row("prod-db:migrations")).toContainText("Unmanaged access");
  await expect(row("prod-db:primary-select")).toContainText("Unmanaged access");
  await shoot(page, "reconciliation-open");

  await row("prod-db:migrations").getByRole("button", { name: "Adopt…" }).click();
  await row("prod-db:migrations").getByLabel("Why is this access right?").fill("Granted by the DBA for the March migration");
  await row("prod-db:migrations").getByRole("button", { name: "Adopt", exact: true }).click();
  await expect(page.getByText("Adopted as imported access.")).toBeVisible();

  await row("prod-db:primary-select").getByRole("button", { name: "Revoke…" }).click();
  await row("prod-db:primary-select").getByLabel("Why remove it?").fill("Nobody approved reads on the primary");
  await row("prod-db:primary-select").getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(page.getByText("Removal sent to the system.")).toBeVisible();

  // Resolved: the adoption, and the removal once the worker's connector call is confirmed by read-back.
  await page.goto(`${new URL(page.url()).pathname}?recon=resolved`);
  const resolved = page.getByRole("table", { name: "Resolved reconciliation findings" });
  await expect(resolved.getByRole("row").filter({ hasText: member }).filter({ hasText: "prod-db:migrations" })).toContainText("Adopted as imported access");
  await expect(async () => {
    await page.reload();
    await expect(resolved.getByRole("row").filter({ hasText: member }).filter({ hasText: "prod-db:primary-select" })).toContainText("Confirmed by the system's read-back", { timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  await shoot(page, "reconciliation-resolved");
});
