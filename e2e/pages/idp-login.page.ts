import { expect, type Page } from "@playwright/test";

/** The test identity provider's pages (oidc-provider's built-in development login and consent forms). */
export class IdpLoginPage {
  constructor(readonly page: Page) {}

  /** Fills the IdP's login form and confirms consent if the IdP asks for it. */
  async signIn(login: string, password = "any-password") {
    const form = this.page.locator('form:has(input[name="login"])');
    await expect(form).toBeVisible();
    await form.locator('input[name="login"]').fill(login);
    await form.locator('input[name="password"]').fill(password);
    await form.getByRole("button", { name: "Sign-in" }).click();
    // The IdP asks once per client for consent to share the requested claims.
    const consent = this.page.locator('form:has(input[name="prompt"][value="consent"])');
    const idpOrigin = new URL(this.page.url()).origin;
    await this.page.waitForURL((url) => url.origin !== idpOrigin || url.pathname.startsWith("/interaction/"));
    if (new URL(this.page.url()).origin === idpOrigin && (await consent.count()) > 0) {
      await consent.getByRole("button", { name: "Continue" }).click();
    }
  }
}
