import { expect, type Locator, type Page } from "@playwright/test";

/** Access review campaigns: define and launch (/campaigns/new → /campaigns/<id>), manage and close. */
export class CampaignsPage {
  constructor(readonly page: Page) {}

  /** Fills the new-campaign form and saves the draft; returns the campaign's path. */
  async create(opts: { name: string; systems: string[]; strategy: RegExp; fallbackId: string; defaultAction: RegExp }): Promise<string> {
    await this.page.goto("/campaigns/new");
    const form = this.page.getByRole("form", { name: "New campaign" });
    await form.getByLabel("Name", { exact: true }).fill(opts.name);
    for (const s of opts.systems) await form.getByLabel(s, { exact: true }).check();
    await expect(this.page.getByTestId("population-preview")).toHaveText(/^[1-9][\d,]*$/);
    await form.getByRole("radio", { name: opts.strategy }).check();
    await form.getByLabel("Fallback reviewer", { exact: true }).selectOption(opts.fallbackId);
    await form.getByRole("radio", { name: opts.defaultAction }).check();
    await form.getByRole("button", { name: "Save draft" }).click();
    await this.page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    await expect(this.status()).toHaveText("Draft");
    return new URL(this.page.url()).pathname;
  }

  status(): Locator {
    return this.page.getByRole("heading", { level: 1 }).locator("span span").filter({ hasText: /^(Draft|Active|Remediating|Closed)$/ });
  }

  /** Launches the draft shown; returns the population the confirmation announced. */
  async launch(): Promise<number> {
    await this.page.getByRole("button", { name: "Launch…" }).click();
    const dialog = this.page.getByRole("dialog", { name: /^Launch/ });
    await expect(dialog.getByTestId("launch-population")).toBeVisible();
    const text = (await dialog.getByTestId("launch-population").textContent()) ?? "";
    const n = Number(text.match(/^([\d,]+) grant/)?.[1]?.replace(/,/g, ""));
    await dialog.getByRole("button", { name: /^Launch with / }).click();
    await expect(dialog).toBeHidden();
    await expect(this.status()).toHaveText("Active");
    await expect(this.page.getByTestId("population-count")).toHaveText(n.toLocaleString("en-GB"));
    return n;
  }

  /** Closes the campaign shown; returns the confirmation's text (what will happen). */
  async close(): Promise<string> {
    await this.page.getByRole("button", { name: "Close campaign…" }).click();
    const dialog = this.page.getByRole("dialog", { name: /^Close/ });
    const consequences = (await dialog.getByTestId("close-consequences").textContent()) ?? "";
    await dialog.getByRole("button", { name: "Close the campaign" }).click();
    await expect(dialog).toBeHidden();
    return consequences;
  }
}

/** A reviewer's workspace: /campaigns/<id>/review. */
export class ReviewWorkspace {
  constructor(readonly page: Page) {}

  async goto(campaignPath: string) {
    await this.page.goto(`${campaignPath}/review?size=100`);
    await expect(this.page.getByRole("heading", { name: /My review items/ })).toBeVisible();
    await this.waitInteractive();
  }

  /** The table has hydrated (its handlers are attached): clicks from now on are seen. */
  async waitInteractive() {
    await expect(this.table()).toHaveAttribute("data-interactive", "true");
  }

  table(): Locator {
    return this.page.getByRole("table", { name: "My review items" });
  }

  row(holder: string, entitlement: string): Locator {
    return this.table().getByRole("row").filter({ hasText: holder }).filter({ hasText: entitlement });
  }

  /** Revokes one item with a comment, from its row. */
  async revoke(holder: string, entitlement: string, comment: string) {
    const row = this.row(holder, entitlement);
    await expect(row).toHaveCount(1);
    await this.waitInteractive();
    await row.getByRole("button", { name: `Revoke ${entitlement} for ${holder}` }).click();
    const dialog = this.page.getByRole("dialog", { name: `Revoke ${entitlement} for ${holder}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel(/^Comment/).fill(comment);
    await dialog.getByRole("button", { name: "Revoke access" }).click();
    await expect(dialog).toBeHidden();
    await expect(this.row(holder, entitlement)).toHaveCount(0); // gone from "To decide"
  }

  /** Keeps every open item, a page at a time, through the bulk decision (with a comment where required). */
  async keepAllOpen(comment: string): Promise<number> {
    let kept = 0;
    for (let round = 0; round < 20; round++) {
      const empty = this.table().getByText("No items match these filters.");
      const selectAll = this.page.getByRole("checkbox", { name: "Select every open item on this page" });
      await expect(empty.or(selectAll.and(this.page.locator(":enabled")))).toBeVisible();
      if (await empty.isVisible()) break;
      await selectAll.check();
      await this.page.getByRole("button", { name: "Keep selected…" }).click();
      const dialog = this.page.getByRole("dialog", { name: /^Keep/ });
      const summary = (await dialog.getByTestId("bulk-summary").textContent()) ?? "";
      const n = Number(summary.match(/^Keep ([\d,]+) grant/)?.[1]?.replace(/,/g, ""));
      await dialog.getByLabel(/^Comment/).fill(comment);
      await dialog.getByRole("button", { name: /^Keep [\d,]+ grant/ }).click();
      await expect(dialog).toBeHidden();
      await expect(this.page.getByRole("status").filter({ hasText: /kept/ })).toBeVisible();
      kept += n;
    }
    return kept;
  }
}
