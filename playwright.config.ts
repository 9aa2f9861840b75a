import { execFileSync } from "node:child_process";
import { defineConfig, devices } from "@playwright/test";

/**
 * Browser tests against a production build (`next start`) of the portal, a fresh demo database and a real
 * OpenID Connect provider; e2e/global-setup.ts starts them, e2e/global-teardown.ts stops them.
 * Run with `npm run test:e2e` (scripts/e2e.sh), which makes sure Chromium is installed.
 */

/** A TCP port the OS reports free right now (synchronous: the config must be known before the run starts). */
function freePort(): string {
  const script = 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})';
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}

// Chosen once, in the runner; the workers load this file again and inherit the variables, so every process
// of the run agrees on the ports. Set them yourself to pin them.
process.env.E2E_APP_PORT ||= freePort();
process.env.E2E_OIDC_PORT ||= freePort();
const APP_URL = `http://127.0.0.1:${process.env.E2E_APP_PORT}`;

const A11Y_SPEC = "**/accessibility.spec.ts";
const CHROMIUM = {
  ...devices["Desktop Chrome"],
  viewport: { width: 1366, height: 900 },
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  },
};

export default defineConfig({
  testDir: "./e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // Whole flows (request → approvals → provisioning → expiry) on a slow, busy 2-core machine: the budget is
  // generous, and every step waits on what the page shows, never on a fixed time.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]] : [["list"]],
  use: {
    baseURL: APP_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    video: "off",
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
  },
  projects: [
    // Two lanes side by side, one test at a time in each. The flows share one demo organisation and assume
    // nobody else changes it while they run, so they stay in one lane; the accessibility spec only reads
    // pages (its sign-ins add nothing a flow counts), and its time is the browser's (axe), not the portal's,
    // so it runs beside them instead of after them (about nine minutes of a two-core machine's run).
    { name: "chromium", testIgnore: A11Y_SPEC, workers: 1, use: CHROMIUM },
    { name: "accessibility", testMatch: A11Y_SPEC, workers: 1, use: CHROMIUM },
  ],
});
