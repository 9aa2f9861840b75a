/**
 * Sign-in: signed-out people see only the sign-in page; OpenID Connect against a real provider matches the
 * person by email; someone the IdP knows but Warrant does not is refused with a message they understand and
 * gets no session; the demo sign-in signs in as the chosen demo person.
 */
import path from "node:path";
import { test, expect, DEMO, signedInAs } from "./fixtures";
import { IdpLoginPage } from "./pages/idp-login.page";

test("a signed-out visit to the portal ends on the sign-in page", async ({ page, signInPage }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin(\?|$)/);
  await expect(signInPage.heading).toBeVisible();
  await expect(signInPage.oidcButton).toHaveText("Sign in with Halcyon SSO");
  await expect(signInPage.demoPanel).toContainText("Demo sign-in — this portal runs with demo data; anyone can sign in as these accounts");
  for (const who of Object.values(DEMO)) {
    await expect(signInPage.demoAccount(who.name)).toContainText(who.label);
    await expect(signInPage.demoAccount(who.name)).toContainText(who.email);
  }
  await expect(signedInAs(page)).toHaveCount(0);
  await page.screenshot({ path: path.join(test.info().project.outputDir, "signin.png"), fullPage: true });
});

test("an employee signs in through the company identity provider (OIDC)", async ({ page, signInPage }) => {
  await signInPage.goto();
  await signInPage.startOidcSignIn();
  await new IdpLoginPage(page).signIn(DEMO.employee.email);
  await page.waitForURL((url) => url.host === `127.0.0.1:${process.env.E2E_APP_PORT}` && url.pathname === "/");
  await expect(signedInAs(page)).toHaveText(DEMO.employee.name);

  // The session is real: a reload keeps her signed in, and /signin sends her back to the portal.
  await page.reload();
  await expect(signedInAs(page)).toHaveText(DEMO.employee.name);
  await page.goto("/signin");
  await expect(page).not.toHaveURL(/\/signin/);
  await expect(signedInAs(page)).toHaveText(DEMO.employee.name);
});

test("someone the identity provider knows but Warrant does not is refused, with no session", async ({ page, signInPage }) => {
  await signInPage.goto();
  await signInPage.startOidcSignIn();
  await new IdpLoginPage(page).signIn("nobody@halcyon.example");
  await page.waitForURL(/\/signin\?.*error=UnknownPerson/);
  await expect(signInPage.error).toContainText("not known to Warrant or is not active");
  await expect(signInPage.error).toContainText("ask your administrator");
  await page.screenshot({ path: path.join(test.info().project.outputDir, "signin-refused.png") });

  const session = await page.request.get("/api/auth/session");
  expect(await session.json()).toEqual({});
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await expect(signedInAs(page)).toHaveCount(0);
});

test("demo sign-in as the auditor shows Ruth Okafor", async ({ page, signInAs }) => {
  await signInAs(page, "auditor");
  await expect(signedInAs(page)).toHaveText(DEMO.auditor.name);
  const session = await page.request.get("/api/auth/session");
  expect((await session.json()).user?.email).toBe(DEMO.auditor.email);
});

test("a signed-out deep link comes back to its page after sign-in", async ({ page, signInPage }) => {
  await page.goto("/catalog/entitlements?risk=CRITICAL");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fcatalog%2Fentitlements%3Frisk%3DCRITICAL/);
  await signInPage.signInAsDemo(DEMO.manager.name);
  await page.waitForURL((url) => url.pathname === "/catalog/entitlements" && url.searchParams.get("risk") === "CRITICAL");
  await expect(signedInAs(page)).toHaveText(DEMO.manager.name);
});
