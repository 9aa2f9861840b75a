/**
 * Approving and reviewing at speed. Priya asks for three things; Marcus approves two from his inbox at once
 * with one reason, opens the third from the approval page (the facts first, the hashes folded away) and
 * denies it, and lands back in his inbox told what he decided. Grace launches a review campaign; Sofia moves
 * through her items with the keyboard (j/k, r opens the revoke dialog, whose comment survives the page
 * refreshing under it), then selects every open item matching the filters (beyond the page shown) and keeps
 * them in one go. In another campaign she sees the suggested decisions with their reasons, accepts one
 * through the bulk decision, and hands two items to Grace at once. Screenshots at 1440 and 390 px wide.
 */
import type { Page } from "@playwright/test";
import { test, expect, DEMO } from "./fixtures";
import { RequestAccessPage, myIdentityId } from "./pages/lifecycle.page";
import { CampaignsPage, ReviewWorkspace } from "./pages/campaigns.page";

async function shoot(page: Page, name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("bulk approve from the inbox; the approval page shows the facts first and goes on to what is next", async ({ employeePage, managerPage }) => {
  test.setTimeout(240_000);
  // Three LOW-risk entitlements Priya does not hold in the demo (requesting what one holds is refused).
  const wanted = ["salesforce:read-only", "zendesk:light-agent", "salesforce:service-user"];
  const paths: string[] = [];
  for (const ent of wanted) {
    const request = new RequestAccessPage(employeePage);
    await request.open(ent);
    await request.submit({ justification: "Supporting the merchant escalations rota for the next sprint.", duration: 14, unit: "days" });
    paths.push(await request.openRequest());
  }

  // The inbox: select two rows, approve them together with one reason.
  await managerPage.goto("/approvals?q=Priya&size=50");
  const table = managerPage.getByRole("table", { name: "Approvals waiting for you" });
  await expect(table).toHaveAttribute("data-interactive", "true");
  for (const ent of wanted.slice(0, 2)) await table.getByRole("checkbox", { name: `Select ${ent} for Priya Nair` }).check();
  const bar = managerPage.getByTestId("bulk-bar");
  await expect(bar).toContainText("2 selected");
  await bar.getByLabel("One reason for all (required to deny)").fill("Read-only roles for the escalations rota");
  await shoot(managerPage, "inbox-bulk-selected");
  await bar.getByRole("button", { name: "Approve 2" }).click();
  await expect(managerPage.getByTestId("bulk-report")).toContainText("Approved 2 of 2.");
  for (const ent of wanted.slice(0, 2)) await expect(table.getByRole("checkbox", { name: `Select ${ent} for Priya Nair` })).toHaveCount(0);

  // The approval page: facts first, evidence folded.
  await managerPage.goto(paths[2]!);
  const facts = managerPage.getByTestId("request-facts");
  for (const label of ["Who asks", "For whom", "What", "Why", "For how long", "Risk", "Separation of duties"]) await expect(facts.getByText(label, { exact: true })).toBeVisible();
  const evidence = managerPage.getByTestId("evidence");
  await expect(evidence).not.toHaveAttribute("open", "");
  await expect(evidence.getByText("Policy SHA-256")).toBeHidden();
  await shoot(managerPage, "approval-page");
  await evidence.locator("summary").click();
  await expect(evidence.getByText("Policy SHA-256")).toBeVisible();

  // Deny: on to the next request waiting, or back to the inbox; either way it says what was decided.
  const panel = managerPage.getByTestId("decision-panel");
  await panel.getByLabel("Reason (required to deny)").fill("The service-user role is for the support team only");
  await panel.getByRole("button", { name: "Deny" }).click();
  await managerPage.waitForURL((url) => url.pathname !== paths[2]);
  await expect(managerPage.getByTestId("decided-notice")).toContainText("Denied: salesforce:service-user for Priya Nair.");

  // The requester sees the outcomes.
  await employeePage.goto(paths[2]!);
  await expect(employeePage.getByRole("heading", { level: 1 })).toContainText("Denied");
});

test("review shortcuts, a revoke dialog that keeps what was typed, and select all matching", async ({ ownerPage, adminPage }) => {
  test.setTimeout(300_000);
  const graceId = await myIdentityId(adminPage);
  const campaigns = new CampaignsPage(adminPage);
  const campaignPath = await campaigns.create({ name: `Shortcuts review ${Date.now()}`, systems: ["Production Database", "Data Warehouse"], strategy: /^Entitlement owner/, fallbackId: graceId, defaultAction: /^Keep/ });
  await campaigns.launch();

  // A small page, so that "all matching" is more than what is shown.
  const review = new ReviewWorkspace(ownerPage);
  await ownerPage.goto(`${campaignPath}/review?size=5`);
  await review.waitInteractive();

  // j focuses the first item; r opens its revoke dialog.
  await ownerPage.keyboard.press("j");
  const focused = ownerPage.getByTestId("focused-item");
  await expect(focused).toHaveCount(1);
  const holder = (await focused.getByRole("link").textContent())!.trim();
  await ownerPage.keyboard.press("j");
  await ownerPage.keyboard.press("k");
  await expect(focused.getByRole("link")).toHaveText(holder);
  await ownerPage.keyboard.press("r");
  const dialog = ownerPage.getByRole("dialog", { name: new RegExp(`^Revoke .* for ${holder}\\?$`) });
  await expect(dialog).toBeVisible();
  const comment = dialog.getByLabel(/^Comment/);
  await comment.fill("Moved to the data platform team; no longer needs this.");
  // The same element all along: a re-render of the table under the open dialog must not re-create it.
  await comment.evaluate((el) => void ((el as HTMLElement).dataset.marker = "kept"));
  await expect(comment).toHaveValue("Moved to the data platform team; no longer needs this.");
  await shoot(ownerPage, "review-revoke-dialog");
  await expect(comment).toHaveAttribute("data-marker", "kept");
  await dialog.getByRole("button", { name: "Revoke access" }).click();
  await expect(dialog).toBeHidden();

  // ? shows the shortcuts.
  await ownerPage.keyboard.press("?");
  const help = ownerPage.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help.getByTestId("shortcut-help")).toContainText("revoke the current item");
  await help.getByRole("button", { name: "Got it" }).click();
  await expect(help).toBeHidden();

  // Select all matching: more than the five shown.
  await review.waitInteractive();
  await ownerPage.getByRole("checkbox", { name: "Select every open item on this page" }).check();
  await ownerPage.getByRole("button", { name: "Select all open items matching the filters" }).click();
  const count = ownerPage.getByTestId("selection-count");
  await expect(count).toContainText("every open item matching the filters");
  const n = Number((await count.textContent())!.match(/^(\d+) item/)![1]);
  expect(n).toBeGreaterThan(5);
  await shoot(ownerPage, "review-select-all-matching");
  await ownerPage.getByRole("button", { name: "Keep selected…" }).click();
  const keep = ownerPage.getByRole("dialog", { name: /^Keep/ });
  await expect(keep.getByTestId("bulk-summary")).toContainText(`Keep ${n} grants`);
  await keep.getByLabel(/^Comment/).fill("Still needed for on-call and the payments-core deploys; checked with the team leads.");
  await keep.getByRole("button", { name: /^Keep \d+ grant/ }).click();
  await expect(keep).toBeHidden();
  await expect(ownerPage.getByRole("status").filter({ hasText: `${n} items kept` })).toBeVisible();
  await expect(review.table().getByText("No items match these filters.")).toBeVisible();
});

test("suggested decisions with their reason, accepted in bulk, and a bulk reassignment", async ({ ownerPage, adminPage }) => {
  test.setTimeout(300_000);
  const graceId = await myIdentityId(adminPage);
  const campaigns = new CampaignsPage(adminPage);
  const campaignPath = await campaigns.create({ name: `Suggestions review ${Date.now()}`, systems: ["Production Database", "Data Warehouse"], strategy: /^Entitlement owner/, fallbackId: graceId, defaultAction: /^Keep/ });
  await campaigns.launch();

  const review = new ReviewWorkspace(ownerPage);
  await review.goto(campaignPath);
  // Each suggestion says what and why, from the data (origin, peers, a leaver).
  const suggested = review.table().getByRole("row").filter({ has: ownerPage.getByTestId("suggestion") });
  await expect(suggested.first()).toBeVisible();
  await expect(suggested.first().getByTestId("suggestion")).toHaveText(/^Suggest: (revoke|keep)\s*(origin unverified|holder is|owner is|\d+ of \d+ peers hold it)/);
  // One line per item at 1440 and every column in view: the table's frame does not scroll sideways.
  const frame = ownerPage.locator("[data-table-frame]").first();
  expect(await frame.evaluate((f) => f.scrollWidth - f.clientWidth)).toBeLessThanOrEqual(1);
  await expect(review.table().getByRole("columnheader", { name: "Suggestion" })).toBeVisible();
  await shoot(ownerPage, "review-suggestions");

  // Accept one suggestion through the bulk decision.
  const box = suggested.first().getByRole("checkbox", { name: /^Select .+ for / });
  const label = (await box.getAttribute("aria-label"))!;
  await box.check();
  await ownerPage.getByRole("button", { name: "Accept 1 suggestion…" }).click();
  const accept = ownerPage.getByRole("dialog", { name: "Accept 1 suggestion?" });
  await expect(accept.getByTestId("suggested-summary")).toContainText("as suggested");
  await accept.getByRole("button", { name: "Accept 1 suggestion" }).click();
  await expect(accept).toBeHidden();
  await expect(ownerPage.getByRole("status").filter({ hasText: "1 suggestion accepted." })).toBeVisible();
  await expect(review.table().getByRole("checkbox", { name: label })).toHaveCount(0); // decided: gone from "To decide"

  // Reassign two items at once to Grace, with a reason.
  await review.waitInteractive();
  const boxes = review.table().getByRole("checkbox", { name: /^Select .+ for / });
  const labels = [(await boxes.nth(0).getAttribute("aria-label"))!, (await boxes.nth(1).getAttribute("aria-label"))!];
  for (const l of labels) await review.table().getByRole("checkbox", { name: l, exact: true }).check();
  await ownerPage.getByRole("button", { name: "Reassign selected…" }).click();
  const move = ownerPage.getByRole("dialog", { name: "Reassign 2 items" });
  await move.getByLabel("Search people (reassign to)").fill(DEMO.admin.name);
  await move.getByLabel("Reassign to", { exact: true }).selectOption(graceId);
  await move.getByLabel("Reason for reassigning").fill("Grace runs the data platform now");
  await shoot(ownerPage, "review-bulk-reassign");
  await move.getByRole("button", { name: "Reassign 2 items" }).click();
  await expect(move).toBeHidden();
  const notice = ownerPage.getByRole("status").filter({ hasText: /reassigned to/ });
  await expect(notice).toBeVisible();
  const moved = Number((await notice.textContent())!.match(/^(\d+) items? reassigned/)![1]);
  expect(moved).toBeGreaterThanOrEqual(1);
  // Grace now has them in her workspace.
  const graceReview = new ReviewWorkspace(adminPage);
  await graceReview.goto(campaignPath);
  let found = 0;
  for (const l of labels) found += await graceReview.table().getByRole("checkbox", { name: l, exact: true }).count();
  expect(found).toBe(moved);
});
