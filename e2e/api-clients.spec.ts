/**
 * An employee registers an API client (an AI agent) with a first scope of Warrant's REST API, their manager
 * approves the scope request, and the owner issues the client's token, shown once. The scope catalog:read and
 * the client "triage-bot (e2e)" are used by no other spec.
 */
import { test, expect, DEMO } from "./fixtures";
import { approve, runJobs } from "./pages/lifecycle.page";

const CLIENT = "triage-bot (e2e)";
const day = (d: Date) => d.toISOString().slice(0, 10);

test("an owner registers an API client, its scope is approved, and its token is shown once", async ({ employeePage, managerPage }, testInfo) => {
  const page = employeePage;
  await page.goto("/identities");
  await page.getByRole("link", { name: "New API client" }).click();
  await expect(page.getByRole("heading", { name: "New API client" })).toBeVisible();
  await page.getByLabel("Kind").selectOption({ label: "AI agent" });
  await page.getByLabel("Name").fill(CLIENT);
  await page.getByLabel("Purpose").fill("Reads the catalog to suggest the right entitlement on support tickets");
  await page.getByLabel("Credential expires (UTC)").fill(day(new Date(Date.now() + 200 * 86_400_000)));
  await page.getByLabel("catalog:read").check();
  await page.getByLabel("Why does it need them?").fill("The triage bot looks up systems and entitlements to answer access questions on tickets.");
  await page.getByLabel("For how many days").fill("30");
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`new-api-client-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole("button", { name: "Create identity" }).click();
  await page.waitForURL(/\/identities\/[0-9a-f-]{36}$/);
  const clientPath = new URL(page.url()).pathname;

  // The scope request is being decided; no token can be issued yet.
  await expect(page.getByText("This client holds no API scope right now")).toBeVisible();
  await expect(page.getByRole("button", { name: "Issue a token" })).toBeDisabled();
  const follow = page.getByRole("link", { name: "follow the request" });
  await expect(follow).toBeVisible();
  const requestPath = (await follow.getAttribute("href"))!;

  // Low risk: the owner's manager approves it, and sees who asked for which client.
  await managerPage.goto(requestPath);
  await expect(managerPage.getByText(`owned by ${DEMO.employee.name}`).first()).toBeVisible();
  await approve(managerPage, requestPath, "Read-only catalog access for the triage bot, as described.");
  await runJobs(page);

  // The scope is in effect: the owner issues the token, shown once.
  await page.goto(clientPath);
  await expect(page.getByText("Calls made with this client's token may use:")).toBeVisible();
  await page.getByRole("button", { name: "Issue a token" }).click();
  const token = page.getByLabel("Token", { exact: true });
  await expect(token).toHaveValue(/^wrt_[A-Za-z0-9_-]{40}$/);
  const value = await token.inputValue();
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`api-client-token-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Never again: after a reload only its prefix is listed, as active.
  await page.goto(clientPath);
  await expect(page.getByLabel("Token", { exact: true })).toHaveCount(0);
  await expect(page.getByText(value)).toHaveCount(0);
  const tokens = page.getByRole("table", { name: "Tokens of this client" });
  await expect(tokens.getByText(`${value.slice(0, 12)}…`)).toBeVisible();
  await expect(tokens.getByText("Active")).toBeVisible();
});
