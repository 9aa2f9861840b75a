/**
 * An access review campaign end to end, against the real target database of "Production Database":
 * Priya gets reporting_reader through a request (manager + owner approval, granted by the postgres connector);
 * the admin defines a campaign over Production Database reviewed by the entitlement owners (Sofia), with
 * herself as fallback reviewer (Sofia's own access goes to her), and launches it; Sofia keeps most of her
 * items in bulk (with the comment privileged or unverified access needs) and revokes Priya's reporting
 * access; the admin closes the campaign; the background jobs revoke the role through the connector and the
 * read-back confirms it; the campaign ends CLOSED with the revocation confirmed, and the role is gone.
 */
import { test, expect, DEMO } from "./fixtures";
import { RequestAccessPage, approve, myIdentityId, runJobs, targetHasMembership } from "./pages/lifecycle.page";
import { CampaignsPage, ReviewWorkspace } from "./pages/campaigns.page";

test("admin launches a campaign; the owner keeps in bulk and revokes one; closing removes the access from the target", async ({ employeePage, managerPage, ownerPage, adminPage }) => {
  test.setTimeout(180_000);

  // A real grant with a real membership in the target database.
  const priyaId = await myIdentityId(employeePage);
  const request = new RequestAccessPage(employeePage);
  await request.open("prod-db:reporting-views-select");
  await request.submit({ justification: "Quarterly reconciliation of settlement reports against the finance views.", duration: 30, unit: "days" });
  const requestPath = await request.openRequest();
  await approve(managerPage, requestPath);
  await approve(ownerPage, requestPath);
  await runJobs(employeePage);
  expect(await targetHasMembership(priyaId, "reporting_reader")).toBe(true);

  // The admin defines the campaign and launches it.
  const graceId = await myIdentityId(adminPage);
  const campaigns = new CampaignsPage(adminPage);
  const campaignPath = await campaigns.create({
    name: `Production Database access review ${Date.now()}`,
    systems: ["Production Database"],
    strategy: /^Entitlement owner/,
    fallbackId: graceId,
    defaultAction: /^Keep/,
  });
  const population = await campaigns.launch();
  expect(population).toBeGreaterThan(1);
  await adminPage.screenshot({ path: test.info().outputPath("campaign-launched.png"), fullPage: true });

  // Sofia reviews: her own access is not in her list (it went to the fallback reviewer).
  const review = new ReviewWorkspace(ownerPage);
  await review.goto(campaignPath);
  await expect(review.table().getByRole("link", { name: DEMO.owner.name, exact: true })).toHaveCount(0);
  await review.revoke(DEMO.employee.name, "prod-db:reporting-views-select", "Reconciliation is done by the finance team now; not needed.");
  await ownerPage.screenshot({ path: test.info().outputPath("review-workspace.png"), fullPage: true });
  const kept = await review.keepAllOpen("Still needed for on-call and the payments-core deploys; checked with the team leads.");
  expect(kept).toBeGreaterThan(0);
  await expect(ownerPage.getByRole("progressbar", { name: "My items decided" })).toHaveAttribute("aria-valuetext", /^(\d+) of \1 decided$/);

  // Grace closes: the confirmation says what will happen.
  await adminPage.goto(campaignPath);
  await expect(adminPage.getByTestId("stat-revoked")).toContainText("1");
  const consequences = await campaigns.close();
  expect(consequences).toContain("1 revocation will be requested");
  await expect(campaigns.status()).toHaveText(/Remediating|Closed/);

  // The revocation goes through the outbox and the connector's read-back; then the campaign closes.
  await runJobs(adminPage);
  await runJobs(adminPage);
  await adminPage.reload();
  await expect(campaigns.status()).toHaveText("Closed");
  await expect(adminPage.getByTestId("remediation-requested")).toContainText("1");
  await expect(adminPage.getByTestId("remediation-confirmed")).toContainText("1");
  expect(await targetHasMembership(priyaId, "reporting_reader")).toBe(false);

  // The completion report shows the confirmed revocation.
  await adminPage.getByRole("link", { name: "Completion report" }).click();
  await expect(adminPage.getByRole("heading", { name: /Completion report/ })).toBeVisible();
  const revoked = adminPage.getByTestId("report-row").filter({ hasText: DEMO.employee.name }).filter({ hasText: "prod-db:reporting-views-select" });
  await expect(revoked).toContainText("Removed (confirmed)");
  await expect(adminPage.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", new RegExp(`${campaignPath.split("/").pop()}/report.csv$`));
  await adminPage.screenshot({ path: test.info().outputPath("campaign-report.png"), fullPage: true });

  // The CSV download over HTTP: the admin gets every item; a reviewer who does not manage the campaign does not.
  const csvPath = `${campaignPath}/report.csv`.replace("/campaigns/", "/api/campaigns/");
  const csv = await adminPage.request.get(csvPath);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toMatch(/text\/csv/);
  const lines = (await csv.text()).replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^"?Item"?,"?Reviewer"?,"?Holder"?/);
  expect(lines).toHaveLength(population + 1);
  expect(lines.find((l) => l.includes(DEMO.employee.name) && l.includes("prod-db:reporting-views-select"))).toMatch(/revoke/i);
  // Not theirs: answered exactly like a campaign that does not exist.
  const notTheirs = await ownerPage.request.get(csvPath);
  const missing = await ownerPage.request.get(csvPath.replace(/[0-9a-f-]{36}/, "00000000-0000-4000-8000-000000000000"));
  expect(notTheirs.status()).toBe(404);
  expect([missing.status(), await missing.text()]).toEqual([404, await notTheirs.text()]);
});
