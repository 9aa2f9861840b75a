/**
 * Credentials issued by the control plane (docs/credentials.md), end to end against the real PostgreSQL target
 * (e2e/configure-target.ts): an admin makes an entitlement of Production Database that issues a login; Marcus,
 * owner of the service account payments-core-app, gets it for the account through break-glass (granted at once:
 * his own manager is not a demo sign-in); the worker issues the login; he reveals the password once, it logs in
 * (members of TEST_PG_SCRAM_GROUP must use their SCRAM password on this cluster, scripts/with-postgres.sh), he
 * rotates it, and the old password is refused while the new one works. Screenshots at 1440 and 390 px.
 * The entitlement is new, so no other spec requests or holds it.
 */
import pg from "pg";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { RequestAccessPage, runJobs } from "./pages/lifecycle.page";

const ENT = "prod-db:payments-app-login";
const NHI = "payments-core-app";

async function shoot(page: Page, name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** Logs in to the target as `user`: true when the server accepted the password. */
async function logsIn(user: string, password: string): Promise<boolean> {
  const url = new URL(process.env.TEST_PG_ADMIN_URL!);
  const c = new pg.Client({ host: url.hostname, port: Number(url.port), database: "halcyon_prod", user, password, ssl: false });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

test("a service account's database login: issued, revealed once to its owner, rotated; the old password is refused", async ({ adminPage, managerPage }) => {
  test.setTimeout(240_000);
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const group = process.env.TEST_PG_SCRAM_GROUP;
  expect(adminUrl && group, "run through scripts/e2e.sh (a real target cluster)").toBeTruthy();
  const target = new pg.Client({ connectionString: Object.assign(new URL(adminUrl!), { pathname: "/halcyon_prod" }).toString() });
  await target.connect();
  try {
    await target.query(`DO $$ BEGIN CREATE ROLE ${pg.escapeIdentifier(group!)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  } finally {
    await target.end();
  }

  // The admin: a new entitlement of Production Database that issues a credential.
  await adminPage.goto("/catalog/entitlements/new");
  const form = adminPage.getByRole("form", { name: "New entitlement" });
  await form.getByLabel("System").selectOption({ label: "Production Database" });
  await form.getByLabel("Name", { exact: true }).fill(ENT);
  await form.getByLabel("Description").fill("A database login of its own for the payments-core application, issued per grant.");
  await form.getByLabel("External reference").fill(group!);
  await form.getByLabel("Issues a credential").check();
  await form.getByLabel("Rotate the password every (hours)").fill("24");
  await shoot(adminPage, "entitlement-issues-credential");
  await form.getByRole("button", { name: "Create entitlement" }).click();
  await adminPage.waitForURL(/\/catalog\/entitlements\/[0-9a-f-]{36}$/);
  await expect(adminPage.getByText("Each grant issues a login of its own, its password rotated every 24 hours")).toBeVisible();

  // Marcus, the account's owner: break-glass for it (granted at once), then the worker issues the login.
  const request = new RequestAccessPage(managerPage);
  await request.open(ENT);
  await managerPage.getByRole("form", { name: "Request access" }).getByLabel("Request for").selectOption({ label: NHI });
  await request.submit({ justification: "payments-core needs its own database login while the Vault lease issuer is down (incident).", duration: 4, unit: "hours", emergency: { incident: "INC-3107" } });
  await runJobs(managerPage);

  await managerPage.goto(`/identities?q=${NHI}`);
  // The directory's link names the identity, then its system and purpose.
  await managerPage.getByRole("table", { name: "Directory" }).getByRole("link", { name: new RegExp(`^${NHI} `) }).first().click();
  await managerPage.waitForURL(/\/identities\/[0-9a-f-]{36}$/);
  const card = managerPage.getByTestId("issued-credentials");
  await expect(card).toContainText(ENT);
  await expect(card).toContainText("Password not yet revealed");

  await card.getByRole("button", { name: "Reveal password (once)" }).click();
  const shown = card.getByLabel(/^Password of wc_[0-9a-f]{32}$/);
  await expect(shown).toBeVisible();
  const login = (await shown.getAttribute("aria-label"))!.replace("Password of ", "");
  const first = (await shown.textContent())!.trim();
  expect(first.length).toBeGreaterThanOrEqual(40);
  await shoot(managerPage, "credential-revealed");
  expect(await logsIn(login, first)).toBe(true);
  expect(await logsIn(login, `${first}x`)).toBe(false);
  // Revealed once: after a reload there is nothing left to reveal.
  await managerPage.reload();
  await expect(card.getByRole("button", { name: "Reveal password (once)" })).toHaveCount(0);

  // Rotate: the old password stops working, the new one is revealed once again.
  await card.getByRole("button", { name: "Rotate password" }).click();
  await card.getByRole("button", { name: "Rotate now" }).click();
  await expect(managerPage.getByText("Password rotated.")).toBeVisible();
  await card.getByRole("button", { name: "Reveal password (once)" }).click();
  await expect(shown).toBeVisible();
  const second = (await shown.textContent())!.trim();
  expect(second).not.toBe(first);
  await shoot(managerPage, "credential-rotated");
  expect(await logsIn(login, first)).toBe(false);
  expect(await logsIn(login, second)).toBe(true);
});
