/**
 * A machine requester in the approver's inbox: Priya registers an AI agent with the scope requests:on-behalf
 * (privileged: the Warrant API system's owner, then security, approve it), issues its token, and the agent asks
 * through the REST API for dwh:analytics-read on her behalf. Her manager opens the inbox and reads, on the row,
 * which agent asked, whose it is and for whom — the request page's words — then denies it (so the demo data
 * keeps no new access). The agent "access-concierge (e2e)" and dwh:analytics-read for Priya are used by no
 * other spec. Screenshots of the inbox at 1440 and 390 px.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { test, expect, DEMO } from "./fixtures";
import { approve, runJobs } from "./pages/lifecycle.page";

const AGENT = "access-concierge (e2e)";
const ENT = "dwh:analytics-read";
const CHAIN = `AI agent ${AGENT} (owned by ${DEMO.employee.name}) for ${DEMO.employee.name}`;
const day = (d: Date) => d.toISOString().slice(0, 10);

async function shoot(page: Page, name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("an AI agent asks on its owner's behalf; the manager's inbox names the agent, its owner and for whom", async ({ employeePage: page, adminPage, securityPage, managerPage, request }) => {
  // Priya registers the agent with the privileged scope; Grace (owner of the Warrant API system) and security approve it.
  await page.goto("/identities/new");
  await page.getByLabel("Kind").selectOption({ label: "AI agent" });
  await page.getByLabel("Name").fill(AGENT);
  await page.getByLabel("Purpose").fill("Turns access questions on support tickets into access requests for the person who asked");
  await page.getByLabel("Credential expires (UTC)").fill(day(new Date(Date.now() + 200 * 86_400_000)));
  await page.getByLabel("requests:on-behalf").check();
  await page.getByLabel("Why does it need them?").fill("The concierge files the access request a ticket asks for, on behalf of its requester.");
  await page.getByLabel("For how many days").fill("30");
  await page.getByRole("button", { name: "Create identity" }).click();
  await page.waitForURL(/\/identities\/[0-9a-f-]{36}$/);
  const clientPath = new URL(page.url()).pathname;
  const scopeRequest = (await page.getByRole("link", { name: "follow the request" }).getAttribute("href"))!;
  await approve(adminPage, scopeRequest, "The concierge may file requests for its owner's team; owner stage.");
  await approve(securityPage, scopeRequest, "Reviewed: on-behalf requests still need their own approvals.");
  await runJobs(page);

  await page.goto(clientPath);
  await expect(page.getByText("Calls made with this client's token may use:")).toBeVisible();
  await page.getByRole("button", { name: "Issue a token" }).click();
  await expect(page.getByLabel("Token", { exact: true })).toHaveValue(/^wrt_/);
  const token = await page.getByLabel("Token", { exact: true }).inputValue();
  const priyaId = (await page.getByTestId("signed-in-as").getAttribute("href"))!.split("/").pop()!;
  await page.goto("/requests/new");
  await page.getByLabel("Search by entitlement, description or system…").fill(ENT);
  const entLink = page.getByRole("link", { name: ENT, exact: true });
  await expect(entLink).toBeVisible();
  const entitlementId = new URL((await entLink.getAttribute("href"))!, "http://x").searchParams.get("entitlementId")!;

  // The agent asks, as itself, through the REST API.
  const res = await request.post("/api/v1/requests", {
    headers: { authorization: `Bearer ${token}`, "idempotency-key": randomUUID() },
    data: { entitlementId, beneficiaryId: priyaId, durationHours: 72, ticketRef: "HELP-4711", justification: "Ticket HELP-4711: Priya needs the product usage marts for the quarterly merchant review." },
  });
  expect(res.ok(), await res.text()).toBe(true);
  const { id: requestId } = (await res.json()) as { id: string };

  // Marcus (Priya's manager) sees the whole chain on the inbox row.
  await managerPage.goto(`/approvals?q=${encodeURIComponent(ENT)}`);
  const row = managerPage.getByRole("row").filter({ hasText: ENT }).filter({ hasText: AGENT });
  await expect(row.getByTestId("machine-chain")).toHaveText(CHAIN);
  await shoot(managerPage, "inbox-agent-request");

  // The request page says the same, after "Submitted by"; Marcus denies it.
  await managerPage.goto(`/requests/${requestId}`);
  await expect(managerPage.getByTestId("machine-requester")).toContainText(`Submitted by ${CHAIN}.`);
  const panel = managerPage.getByTestId("decision-panel");
  await panel.getByLabel("Reason (required to deny)").fill("Priya already reads these figures in the board pack; no warehouse access needed.");
  await panel.getByRole("button", { name: "Deny" }).click();
  await managerPage.waitForURL((url) => url.pathname !== `/requests/${requestId}`);
  await expect(managerPage.getByTestId("decided-notice")).toBeVisible();
});
