import { expect, type Page } from "@playwright/test";
import pg from "pg";

/** The request form, reached through the requestable-entitlements table. */
export class RequestAccessPage {
  constructor(readonly page: Page) {}

  async open(entitlementName: string) {
    await this.page.goto("/requests/new");
    await this.page.getByLabel("Search by entitlement, description or system…").fill(entitlementName);
    const link = this.page.getByRole("link", { name: entitlementName, exact: true });
    await expect(link).toBeVisible();
    await link.click();
    await expect(this.page.getByRole("heading", { name: new RegExp(`Request ${entitlementName}`) })).toBeVisible();
  }

  async submit(opts: { justification: string; duration: number; unit: "days" | "hours"; emergency?: { incident: string } }) {
    const form = this.page.getByRole("form", { name: "Request access" });
    await form.getByLabel("Justification").fill(opts.justification);
    await form.getByLabel("Unit").selectOption(opts.unit);
    await form.getByLabel("Duration", { exact: true }).fill(String(opts.duration));
    if (opts.emergency) {
      await form.getByLabel("Emergency (break-glass)").check();
      await form.getByLabel("Incident reference").fill(opts.emergency.incident);
    }
    await form.getByRole("button", { name: opts.emergency ? "Request emergency access" : "Submit request" }).click();
    const outcome = this.page.getByTestId("request-outcome");
    await expect(outcome).toBeVisible();
    return outcome;
  }

  /** Follows the outcome's link and returns the request's path. */
  async openRequest(): Promise<string> {
    await this.page.getByRole("link", { name: "Open the request →" }).click();
    await this.page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    return new URL(this.page.url()).pathname;
  }
}

/** Approves the open stage of a request as the signed-in person. */
export async function approve(page: Page, requestPath: string, reason = "Needed for the month-end close; scope is read-only views.") {
  await page.goto(requestPath);
  const panel = page.getByRole("region", { name: "Your decision" }).or(page.locator("section", { has: page.getByRole("heading", { name: "Your decision" }) }));
  await expect(panel.first()).toBeVisible();
  await panel.first().getByLabel("Reason (required to deny)").fill(reason);
  await panel.first().getByRole("button", { name: "Approve" }).click();
  // After a decision the approver is taken to the next request in their inbox, or back to the inbox.
  await page.waitForURL((url) => url.pathname !== requestPath);
  await expect(page.getByTestId("decided-notice")).toBeVisible();
}

/** Test-only endpoints (CLOCK_CONTROL=true): move the business clock, run the background jobs now. */
export async function advanceClock(page: Page, ms: number) {
  const res = await page.request.post("/api/dev/clock", { data: { advanceMs: ms } });
  expect(res.ok()).toBe(true);
}

export async function runJobs(page: Page) {
  const res = await page.request.post("/api/dev/run-jobs");
  expect(res.ok()).toBe(true);
  return (await res.json()) as { runs: unknown };
}

/** The target system of the postgres connector: is `w_<id hex>` a member of `role` in halcyon_prod? */
export async function targetHasMembership(identityId: string, role: string): Promise<boolean> {
  const admin = process.env.TEST_PG_ADMIN_URL;
  if (!admin) throw new Error("TEST_PG_ADMIN_URL is not set (run through scripts/e2e.sh)");
  const url = new URL(admin);
  url.pathname = "/halcyon_prod";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const member = `w_${identityId.replace(/-/g, "")}`;
    const res = await client.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = $1 AND u.rolname = $2`,
      [role, member],
    );
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

/** The signed-in person's identity id, from the shell's "signed in as" link. */
export async function myIdentityId(page: Page): Promise<string> {
  const href = await page.getByTestId("signed-in-as").getAttribute("href");
  const id = href?.split("/").pop();
  if (!id) throw new Error("no signed-in identity link");
  return id;
}
