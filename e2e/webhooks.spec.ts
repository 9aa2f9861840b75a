/**
 * Webhooks end to end against the built portal: an admin subscribes a real receiver on 127.0.0.1 to the
 * "webhook.*" events on /admin/webhooks and copies the signing secret shown once; disabling and enabling the
 * subscription are ledger events, which the portal's in-process worker delivers, signed, in seq order. The
 * detail page then shows the delivered attempt. The JSON Lines export of a seq range downloads for the admin.
 * Then the admin rotates the secret (shown once; the rotation's own event arrives signed with both secrets),
 * renames the subscription and deletes it after a confirmation.
 * Screenshots of the pages at 1440 and 390 px land in test-results/.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { test, expect } from "./fixtures";

type Got = { raw: string; ts: string; sig: string; body: { events: { seq: string; action: string }[] } };
const hmac = (secret: string, g: Got) => `sha256=${createHmac("sha256", secret).update(`${g.ts}.${g.raw}`).digest("hex")}`;

async function shoot(page: Page, name: string) {
  for (const [w, size] of [["1440", { width: 1440, height: 900 }], ["390", { width: 390, height: 844 }]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: test.info().outputPath(`${name}-${w}.png`), fullPage: true });
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll, `${name} at ${w} px does not scroll sideways`).toBeLessThanOrEqual(client);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("an admin subscribes a receiver, which gets signed ledger events in order; the feed exports as JSON Lines", async ({ adminPage: page }) => {
  test.setTimeout(300_000);
  const got: Got[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(parts).toString("utf8");
      got.push({ raw, ts: String(req.headers["x-warrant-timestamp"]), sig: String(req.headers["x-warrant-signature"]), body: JSON.parse(raw) as Got["body"] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/siem`;
    await page.goto("/admin/webhooks");
    await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
    const name = `SIEM e2e ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Receiver URL").fill(url);
    await page.getByLabel("Event types").fill("webhook.*");
    await page.getByRole("button", { name: "Create subscription" }).click();
    const secretBox = page.getByLabel("Secret", { exact: true });
    await expect(secretBox).toHaveValue(/^whsec_/);
    const secret = await secretBox.inputValue();
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.getByRole("link", { name })).toBeVisible();
    await shoot(page, "webhooks-list");

    await page.getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await page.getByRole("button", { name: "Disable" }).click();
    await expect(page.getByRole("button", { name: "Enable" })).toBeVisible();
    await page.getByRole("button", { name: "Enable" }).click();
    await expect(page.getByRole("button", { name: "Disable" })).toBeVisible();

    // The in-process worker runs every 15 s.
    await expect.poll(() => got.flatMap((g) => g.body.events.map((e) => e.action)), { timeout: 90_000, intervals: [1000] }).toEqual(["webhook.disabled", "webhook.enabled"]);
    for (const g of got) expect(g.sig).toBe(hmac(secret, g));
    const seqs = got.flatMap((g) => g.body.events.map((e) => Number(e.seq)));
    expect(seqs[1]!).toBeGreaterThan(seqs[0]!);

    await page.reload();
    await expect(page.getByRole("table", { name: "Recent delivery attempts" }).getByText("Delivered").first()).toBeVisible();
    await shoot(page, "webhook-detail");

    const exported = await page.request.get(`/api/events/export?from=${seqs[0]}&to=${seqs[1]}`);
    expect(exported.status()).toBe(200);
    const lines = (await exported.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; seq?: string });
    expect(lines[0]!.type).toBe("range");
    expect(lines.filter((l) => l.type === "event").map((l) => Number(l.seq))).toEqual(Array.from({ length: seqs[1]! - seqs[0]! + 1 }, (_, i) => seqs[0]! + i));

    // Rotate with the default overlap: the new secret is shown once, and while the overlap runs every POST
    // carries both signatures (the rotation's own event is a "webhook.*" event: it is delivered too).
    await page.getByRole("button", { name: "Rotate secret…" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByLabel("Overlap")).toHaveValue("24");
    await shoot(page, "webhook-rotate-dialog");
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    await expect(secretBox).toHaveValue(/^whsec_/);
    const rotated = await secretBox.inputValue();
    expect(rotated).not.toBe(secret);
    await expect(page.getByText(/The previous secret keeps signing next to it until/)).toBeVisible();
    await shoot(page, "webhook-rotated");
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect.poll(() => got.flatMap((g) => g.body.events.map((e) => e.action)), { timeout: 90_000, intervals: [1000] }).toContain("webhook.secret_rotated");
    const withRotation = got.find((g) => g.body.events.some((e) => e.action === "webhook.secret_rotated"))!;
    expect(withRotation.sig.split(",")).toEqual([hmac(rotated, withRotation), hmac(secret, withRotation)]);

    // Rename it (the settings form), then delete it after the confirmation: it is kept, read-only, as evidence.
    await page.getByRole("form", { name: "Subscription settings" }).getByLabel("Name", { exact: true }).fill(`${name} EU`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `${name} EU` })).toBeVisible();
    await page.getByRole("button", { name: "Delete…" }).click();
    await expect(dialog.getByText("This cannot be undone")).toBeVisible();
    await dialog.getByRole("button", { name: "Delete subscription" }).click();
    await expect(page.getByText(/^Deleted on /)).toBeVisible();
    await expect(page.getByRole("button", { name: "Rotate secret…" })).toHaveCount(0);
    await expect(page.getByRole("table", { name: "Recent delivery attempts" }).getByText("Delivered").first()).toBeVisible();
    await shoot(page, "webhook-deleted");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
