import { expect, type Locator, type Page } from "@playwright/test";

/** The /signin page: company sign-in (OIDC), the demo accounts, and the error banner. */
export class SignInPage {
  readonly heading: Locator;
  readonly oidcButton: Locator;
  readonly demoPanel: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Sign in to Warrant" });
    this.oidcButton = page.getByRole("button", { name: /^Sign in with / });
    this.demoPanel = page.getByRole("region", { name: "Demo sign-in" });
    this.error = page.getByTestId("signin-error");
  }

  async goto(query = "") {
    await this.page.goto(`/signin${query}`);
    await expect(this.heading).toBeVisible();
  }

  /** The demo account's button, by the person's name as the page shows it. */
  demoAccount(name: string): Locator {
    return this.demoPanel.getByRole("button", { name: new RegExp(`^Sign in as ${name},`) });
  }

  async signInAsDemo(name: string) {
    await this.demoAccount(name).click();
  }

  async startOidcSignIn() {
    await this.oidcButton.click();
  }
}
