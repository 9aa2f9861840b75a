/**
 * Forms check the input in the browser with the server's own zod schema: a field's problems show when the person
 * leaves it, all of them at once, and nothing is sent while any is left; once right, the request goes through.
 */
import { test, expect } from "./fixtures";
import { RequestAccessPage } from "./pages/lifecycle.page";

test("the request form says every problem of a field as the person leaves it, and sends nothing until all are fixed", async ({ managerPage: page }) => {
  const request = new RequestAccessPage(page);
  await request.open("aws-prod:S3-statements-read");
  const form = page.getByRole("form", { name: "Request access" });
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("requests.submit")) sent.push(r.url());
  });

  const justification = form.getByLabel("Justification");
  await justification.fill("fix it fix it");
  await form.getByLabel("Duration", { exact: true }).focus();
  // Both of the justification's rules at once: its length and its words.
  const jError = form.getByText(/^Justification must be at least \d+ characters.*; .*$/);
  await expect(jError).toBeVisible();
  await expect(justification).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel("Duration", { exact: true }).fill("0");
  await form.getByLabel("Ticket link (optional)").focus();
  await expect(form.getByText(/^Duration must be between 1 and/)).toBeVisible();

  await form.getByLabel("Ticket link (optional)").fill("ftp://tickets.example.com/OPS-1");
  await form.getByRole("button", { name: "Submit request" }).click();
  await expect(form.getByText(/^Ticket link must be an http:\/\/ or https:\/\/ link/)).toBeVisible();
  // Submitting with problems focuses the first one and sends nothing.
  await expect(justification).toBeFocused();
  expect(sent).toEqual([]);

  // Each message goes as the field is put right, while typing.
  await justification.fill("Month-end close: reconcile November payouts against the finance reporting views.");
  await expect(jError).toHaveCount(0);
  await form.getByLabel("Duration", { exact: true }).fill("2");
  await form.getByLabel("Ticket link (optional)").fill("https://tickets.example.com/OPS-1");
  await expect(form.getByText(/must be/)).toHaveCount(0);
  await form.getByRole("button", { name: "Submit request" }).click();
  await expect(page.getByTestId("request-outcome")).toContainText(/Submitted|Granted/);
  expect(sent).toHaveLength(1);
});

test("the system and entitlement forms check each field with the server's rules before anything is sent", async ({ adminPage: page }) => {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (/catalog\.(createSystem|createEntitlement)/.test(r.url())) sent.push(r.url());
  });

  await page.goto("/catalog/systems/new");
  const system = page.getByRole("form", { name: "New system" });
  await system.getByLabel("Name", { exact: true }).fill("x");
  await system.getByLabel("Description").focus();
  await expect(system.getByText("must be at least 2 characters")).toBeVisible();
  await expect(system.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
  // Submitting without an owner names the missing choice in plain words, focuses the first problem, sends nothing.
  await system.getByRole("button", { name: "Create system" }).click();
  await expect(system.getByText("Choose the person accountable for this system.")).toBeVisible();
  await expect(system.getByLabel("Name", { exact: true })).toBeFocused();
  await system.getByLabel("Name", { exact: true }).fill("Ledger archive");
  await expect(system.getByText("must be at least 2 characters")).toHaveCount(0);

  await page.goto("/catalog/entitlements/new");
  const ent = page.getByRole("form", { name: "New entitlement" });
  await ent.getByLabel("Maximum duration (days)").fill("2.5");
  await ent.getByLabel("External reference").focus();
  await expect(ent.getByText("must be a whole number of days")).toBeVisible();
  await ent.getByRole("button", { name: "Create entitlement" }).click();
  await expect(ent.getByText("Choose the system this access is granted in.")).toBeVisible();
  await expect(ent.getByText("is required")).toBeVisible(); // the name
  expect(sent).toEqual([]);
});

test("the campaign form checks its fields with the server's rules and sends nothing while one is wrong", async ({ adminPage: page }) => {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("campaigns.create")) sent.push(r.url());
  });
  await page.goto("/campaigns/new");
  const form = page.getByRole("form", { name: "New campaign" });
  await form.getByLabel("Name", { exact: true }).fill("Q4");
  await form.getByLabel("Description (optional)").focus();
  await expect(form.getByText("must be at least 3 characters")).toBeVisible();
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(form.getByLabel("Name", { exact: true })).toBeFocused();
  await form.getByLabel("Name", { exact: true }).fill("Q4 access review");
  await expect(form.getByText("must be at least 3 characters")).toHaveCount(0);
  expect(sent).toEqual([]);
});
