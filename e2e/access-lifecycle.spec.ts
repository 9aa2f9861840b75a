/**
 * The access lifecycle through the browser, against a real target database: an employee requests a
 * medium-risk entitlement, her manager and then the entitlement's owner approve, the postgres connector
 * grants the role (checked in the target database's catalog), and when the business clock passes the
 * expiry the grant is revoked by the background job and the role is gone. Then break-glass: emergency
 * access granted at once for a short window, security notified and recording the post-incident review.
 * Time is moved with the test-only clock (CLOCK_CONTROL=true), jobs are run on demand.
 */
import { test, expect, signedInAs, DEMO } from "./fixtures";
import { RequestAccessPage, advanceClock, approve, myIdentityId, runJobs, targetHasMembership } from "./pages/lifecycle.page";

const DAY = 86_400_000;

test("request → manager and owner approve → granted in the target database → expires and is revoked", async ({ employeePage, managerPage, ownerPage }) => {
  const priyaId = await myIdentityId(employeePage);
  expect(await targetHasMembership(priyaId, "reporting_reader")).toBe(false);

  const request = new RequestAccessPage(employeePage);
  await request.open("prod-db:reporting-views-select");
  const outcome = await request.submit({ justification: "Month-end close: I need the finance reporting views to reconcile November payouts.", duration: 2, unit: "days" });
  await expect(outcome).toContainText("Submitted: waiting for approval");
  await expect(outcome.getByTestId("stage")).toHaveCount(2);
  await expect(outcome.getByTestId("stage").first()).toContainText(DEMO.manager.name);
  await expect(outcome.getByTestId("stage").nth(1)).toContainText(DEMO.owner.name);
  const requestPath = await request.openRequest();

  // The requester cannot decide her own request.
  await expect(employeePage.getByRole("heading", { name: "Your decision" })).toHaveCount(0);

  // The owner is not yet eligible (stage 2 is waiting), the manager decides stage 1, then the owner stage 2.
  await ownerPage.goto(requestPath);
  await expect(ownerPage.getByRole("heading", { name: "Your decision" })).toHaveCount(0);
  await approve(managerPage, requestPath);
  await approve(ownerPage, requestPath);
  // The approver moved on to the next request (or the inbox); the request itself now says Approved.
  await ownerPage.goto(requestPath);
  await expect(ownerPage.getByText("Approved", { exact: true }).first()).toBeVisible();

  // Provisioning through the outbox: the grant is ACTIVE only once the connector's read-back confirms it.
  await runJobs(employeePage);
  expect(await targetHasMembership(priyaId, "reporting_reader")).toBe(true);
  await employeePage.goto(`/identities/${priyaId}`);
  const held = employeePage.getByRole("row", { name: /prod-db:reporting-views-select/ }).first();
  await expect(held).toContainText("Active");

  // Two days and a bit later the grant is past its expiry: the job revokes it and the role is gone.
  await advanceClock(employeePage, 2 * DAY + 60_000);
  await runJobs(employeePage);
  await runJobs(employeePage);
  expect(await targetHasMembership(priyaId, "reporting_reader")).toBe(false);
  await employeePage.goto(`/identities/${priyaId}`);
  await expect(employeePage.getByText(/prod-db:reporting-views-select/).first()).toBeVisible();
  // The access history names the cause: it ended because it expired.
  await expect(employeePage.getByRole("row", { name: /prod-db:reporting-views-select.*Expired/ }).first()).toBeVisible();
  await employeePage.screenshot({ path: test.info().outputPath("identity-after-expiry.png"), fullPage: true });
});

test("break-glass: emergency access is granted at once, security is told and records the review", async ({ employeePage, securityPage }) => {
  const priyaId = await myIdentityId(employeePage);
  const request = new RequestAccessPage(employeePage);
  await request.open("prod-db:primary-select");
  const outcome = await request.submit({
    justification: "Replica lag during INC-4821: need to read payout state from the primary to unblock settlement.",
    duration: 2,
    unit: "hours",
    emergency: { incident: "INC-4821" },
  });
  await expect(outcome).toContainText("Approved at once");
  await expect(outcome).toContainText("Security has been notified");
  await runJobs(employeePage);
  expect(await targetHasMembership(priyaId, "primary_reader")).toBe(true);

  // Security sees the notification and records the post-incident review.
  await securityPage.goto("/notifications");
  await expect(securityPage.getByText("Break-glass access granted").first()).toBeVisible();
  await securityPage.goto("/tasks");
  const reviews = securityPage.getByRole("table", { name: "Break-glass reviews due" });
  const row = reviews.getByRole("row", { name: /INC-4821/ });
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Review…" }).click();
  await securityPage.getByLabel("Review note (what was done with the access, follow-ups)").fill("Read-only use confirmed in the query log; replica lag fixed by INC-4821 follow-up.");
  await securityPage.getByRole("button", { name: "Record review" }).click();
  await expect(reviews.getByRole("row", { name: /INC-4821/ })).toHaveCount(0);
  await expect(signedInAs(securityPage)).toHaveText(DEMO.security.name);
});
