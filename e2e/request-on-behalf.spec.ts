/**
 * Requesting for someone else: a manager asks for their report through the same form, the approver sees plainly
 * who asked for whom (inbox row and the approval page), and the report is told. salesforce:sales-user is asked
 * for Priya by no other spec, and she does not hold it in the demo data.
 */
import { test, expect, DEMO } from "./fixtures";
import { approve, RequestAccessPage } from "./pages/lifecycle.page";

const ENT = "salesforce:sales-user";
const ASKED = `Asked by ${DEMO.manager.name} for ${DEMO.employee.name} (Marcus's report)`;

test("a manager requests for a report; the approver sees who asked for whom; the report is told", async ({ managerPage, securityPage, employeePage }, testInfo) => {
  const request = new RequestAccessPage(managerPage);
  await request.open(ENT);
  const form = managerPage.getByRole("form", { name: "Request access" });
  await form.getByLabel("Request for").selectOption({ label: DEMO.employee.name });
  // The preview asks the policy about Priya, and says she will be told.
  const preview = managerPage.getByTestId("policy-preview");
  await expect(preview.getByTestId("on-behalf-note")).toContainText(`You are asking on behalf of ${DEMO.employee.name} (your report)`);
  await expect(preview).toContainText("Needs one approval");
  for (const width of [1440, 390]) {
    await managerPage.setViewportSize({ width, height: 900 });
    await managerPage.screenshot({ path: testInfo.outputPath(`form-on-behalf-${width}.png`), fullPage: true });
  }
  await managerPage.setViewportSize({ width: 1440, height: 900 });
  const outcome = await request.submit({ justification: "Priya joins the merchant onboarding rotation next week and works the sales pipeline with the account team.", duration: 30, unit: "days" });
  await expect(outcome).toContainText(DEMO.security.name);
  const path = await request.openRequest();
  await expect(managerPage.getByText(ASKED).first()).toBeVisible();

  // The approver (the manager asked, so the manager stage went to security) sees it in the inbox and on the page.
  await securityPage.goto(`/approvals?q=${encodeURIComponent(ENT)}`);
  const row = securityPage.getByRole("row", { name: new RegExp(`${DEMO.manager.name} for ${DEMO.employee.name}`) });
  await expect(row).toContainText("(Marcus's report)");
  await securityPage.goto(path);
  const facts = securityPage.getByTestId("request-facts");
  await expect(facts.getByTestId("on-behalf")).toContainText(`Asked on ${DEMO.employee.name}'s behalf, so neither ${DEMO.manager.name} nor ${DEMO.employee.name} may approve it.`);
  // The header says who asked for whom once; the fact above does not repeat it.
  await expect(securityPage.getByText(ASKED, { exact: true })).toBeVisible();
  for (const width of [1440, 390]) {
    await securityPage.setViewportSize({ width, height: 900 });
    await securityPage.screenshot({ path: testInfo.outputPath(`approval-on-behalf-${width}.png`), fullPage: true });
  }
  await securityPage.setViewportSize({ width: 1440, height: 900 });
  await approve(securityPage, path, "Sales pipeline access for the onboarding rotation, as her manager asked.");

  // Priya is told, and sees the request among hers.
  await employeePage.goto("/notifications");
  await expect(employeePage.getByText(`${DEMO.manager.name} asked for ${ENT} on your behalf`).first()).toBeVisible();
  await employeePage.goto(path);
  await expect(employeePage.getByText(ASKED).first()).toBeVisible();
});
