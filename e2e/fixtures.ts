/**
 * Shared Playwright fixtures. Specs import `test` and `expect` from here:
 *
 *   import { test, expect, DEMO } from "./fixtures";
 *   test("an auditor reads the ledger", async ({ page, signInAs }) => { await signInAs(page, "auditor"); ... });
 *   test("a manager approves", async ({ employeePage, managerPage }) => { ... });   // two people, two browsers
 *
 * Sign-in goes through the demo sign-in on /signin (the same UI a person uses), so every role fixture is a
 * real next-auth session.
 */
import { test as base, expect, type Browser, type Page } from "@playwright/test";
import { SignInPage } from "./pages/signin.page";

export type DemoRole = "employee" | "manager" | "owner" | "security" | "admin" | "auditor";

/** The demo organisation's people, one per role (seeded by scripts/prepare-db.ts). */
export const DEMO: Record<DemoRole, { email: string; name: string; label: string }> = {
  employee: { email: "priya.nair@halcyon.example", name: "Priya Nair", label: "Employee" },
  manager: { email: "marcus.chen@halcyon.example", name: "Marcus Chen", label: "Manager" },
  owner: { email: "sofia.alvarez@halcyon.example", name: "Sofia Alvarez", label: "System owner" },
  security: { email: "omar.haddad@halcyon.example", name: "Omar Haddad", label: "Security officer" },
  admin: { email: "grace.kim@halcyon.example", name: "Grace Kim", label: "Admin" },
  auditor: { email: "ruth.okafor@halcyon.example", name: "Ruth Okafor", label: "Auditor" },
};

/**
 * `page.goto` that returns once the page can be used: for an HTML page, after React hydrated it (the root
 * marks <html data-hydrated>, components/trpc/client.tsx). Typing into or clicking server-rendered HTML before
 * hydration is lost on a busy machine; every page the fixtures hand out waits this way.
 */
export function waitForHydrationOnGoto(page: Page, baseURL: string | undefined): Page {
  const portal = baseURL ? new URL(baseURL).origin : null;
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    const response = await goto(url, options);
    const html = (response?.headers()["content-type"] ?? "").startsWith("text/html");
    // Only the portal's own pages: the identity provider's login page is not a React app.
    if (response && html && new URL(response.url()).origin === portal) {
      await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    }
    return response;
  };
  return page;
}

/** The portal header's "signed in as" name. */
export function signedInAs(page: Page) {
  return page.getByTestId("signed-in-as");
}

/** Signs `page` in as the demo person for `role` through /signin and waits until the portal shows them. */
export async function signInAs(page: Page, role: DemoRole): Promise<void> {
  const who = DEMO[role];
  const signin = new SignInPage(page);
  await signin.goto();
  await signin.signInAsDemo(who.name);
  await page.waitForURL((url) => url.pathname !== "/signin");
  await expect(signedInAs(page)).toHaveText(who.name);
  // The header names the role with the sign-in page's word for it.
  await expect(page.getByTestId("signed-in-roles")).toContainText(who.label);
}

async function rolePage(browser: Browser, role: DemoRole, baseURL: string | undefined, use: (p: Page) => Promise<void>) {
  const context = await browser.newContext({ baseURL });
  const page = waitForHydrationOnGoto(await context.newPage(), baseURL);
  await signInAs(page, role);
  await use(page);
  await context.close();
}

type Fixtures = {
  /** Signs a page in as a demo role (same as the exported `signInAs`). */
  signInAs: (page: Page, role: DemoRole) => Promise<void>;
  signInPage: SignInPage;
  /** A page in its own browser context, already signed in as that role. */
  employeePage: Page;
  managerPage: Page;
  ownerPage: Page;
  securityPage: Page;
  adminPage: Page;
  auditorPage: Page;
};

export const test = base.extend<Fixtures>({
  page: async ({ page, baseURL }, use) => use(waitForHydrationOnGoto(page, baseURL)),
  // eslint-disable-next-line no-empty-pattern
  signInAs: async ({}, use) => use(signInAs),
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  employeePage: async ({ browser, baseURL }, use) => rolePage(browser, "employee", baseURL, use),
  managerPage: async ({ browser, baseURL }, use) => rolePage(browser, "manager", baseURL, use),
  ownerPage: async ({ browser, baseURL }, use) => rolePage(browser, "owner", baseURL, use),
  securityPage: async ({ browser, baseURL }, use) => rolePage(browser, "security", baseURL, use),
  adminPage: async ({ browser, baseURL }, use) => rolePage(browser, "admin", baseURL, use),
  auditorPage: async ({ browser, baseURL }, use) => rolePage(browser, "auditor", baseURL, use),
});

export { expect };
