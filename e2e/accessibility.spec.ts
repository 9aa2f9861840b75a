/**
 * Accessibility: axe (WCAG 2.x A/AA rules) on every page each demo role can reach, in light and in dark mode,
 * fails on any serious or critical violation. The pages come from the portal itself: the main navigation as
 * that role sees it, then the first detail page of each kind linked from a page already visited (a request, a
 * campaign and its review and report, a system, an entitlement, a person, a grant's lineage, ...), so a new
 * page is checked as soon as something links to it.
 *
 * Dark mode is reached the way a person's system reaches it: the browser reports `prefers-color-scheme: dark`
 * and the portal (no stored choice) follows it. Colours come from the same tokens for every role (globals.css),
 * so the colour rules (contrast, the slowest axe rules) run once per kind of page and mode in a run, for the first
 * role that reaches it; every other rule (names, labels, landmarks, structure) runs on every page of every role.
 * A role run on its own checks all of its pages in both.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { test, expect, signInAs, type DemoRole } from "./fixtures";
import { DETAIL_PAGES, queueLinkedPages } from "./page-kinds";

const ROLES: DemoRole[] = ["employee", "manager", "owner", "security", "admin", "auditor"];


const SERIOUS = new Set(["serious", "critical"]);

/** Kinds of page whose colours were checked in this run (shared by the role tests of this file's worker). */
const coloursChecked = new Set<string>();
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

/** What a path is, for the colour check: its detail kind, or the path itself (list and audit pages). */
function kindOf(path: string): string {
  return DETAIL_PAGES.find((d) => d.kind !== "audit page" && d.path.test(path))?.kind ?? path;
}

type Finding = { path: string; mode: string; rule: string; impact: string; help: string; targets: string[] };

/** `rules`: every rule, the colour rules only, or every rule but the colour ones. */
async function axeFindings(page: Page, path: string, mode: "light" | "dark", rules: "all" | "colours" | "structure"): Promise<Finding[]> {
  const builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (rules === "colours") builder.withRules(COLOUR_RULES);
  if (rules === "structure") builder.disableRules(COLOUR_RULES);
  const result = await builder.analyze();
  return result.violations
    .filter((v) => SERIOUS.has(v.impact ?? ""))
    .map((v) => ({ path, mode, rule: v.id, impact: v.impact ?? "", help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
}

/** Tables whose frame scrolls sideways at this width (their content is wider than the frame). */
async function overflowingTables(page: Page): Promise<string[]> {
  return page.locator("[data-table-frame]").evaluateAll((frames) =>
    frames.filter((f) => f.scrollWidth > f.clientWidth + 1).map((f) => `${f.querySelector("table")?.getAttribute("aria-label") ?? "a table"} (${f.scrollWidth} > ${f.clientWidth})`),
  );
}

async function setScheme(page: Page, mode: "light" | "dark") {
  await page.emulateMedia({ colorScheme: mode });
  // next-themes follows the media query (no stored choice): wait for the class it sets, not for time.
  if (mode === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
}

function slug(path: string) {
  return path.replace(/^\//, "").replace(/[^a-z0-9]+/gi, "-").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, "id") || "home";
}

for (const role of ROLES) {
  test(`axe finds no serious or critical violation on any page a ${role} can see, light and dark`, async ({ page }) => {
    // ~20 pages × 2 modes × a full axe run: about a minute a page on a busy shared two-core machine.
    test.setTimeout(2_400_000);
    // Findings are written as they are found (test-results/<test>/findings.txt), so a long run can be read
    // while it runs, and a timeout still leaves what was found.
    const log = test.info().outputPath("findings.txt");
    mkdirSync(dirname(log), { recursive: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: "light" });
    await signInAs(page, role);

    const navLinks = await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link")
      .evaluateAll((as) => as.map((a) => ({ path: new URL((a as HTMLAnchorElement).href).pathname, label: (a.textContent ?? "").trim() })));
    const nav = navLinks.map((l) => l.path);
    const navLabel = new Map(navLinks.map((l) => [l.path, l.label]));
    const titles: string[] = [];
    const me = new URL((await page.getByTestId("signed-in-as").evaluate((a) => (a as HTMLAnchorElement).href))).pathname;
    const queue = [...new Set([...nav, "/notifications", me])];
    const seenKinds = new Set<string>(["identity"]); // their own profile is queued already
    const visited = new Set<string>();
    const findings: Finding[] = [];
    const wide: string[] = [];

    while (queue.length > 0) {
      const path = queue.shift()!;
      if (visited.has(path)) continue;
      visited.add(path);
      const tNav = Date.now();
      await page.goto(path);
      await expect(page.getByRole("main")).toBeVisible();
      const navSeconds = ((Date.now() - tNav) / 1000).toFixed(1);
      // A navigation label names the page it opens: the page's title says the same words (home greets instead).
      const label = path === "/" ? undefined : navLabel.get(path);
      if (label) {
        const h1 = ((await page.getByRole("heading", { level: 1 }).first().textContent()) ?? "").trim();
        if (!h1.startsWith(label)) titles.push(`${path}: the menu says "${label}", the page is titled "${h1}"`);
      }

      const kind = kindOf(path);
      const colours = !coloursChecked.has(kind);
      coloursChecked.add(kind);
      const modes = colours ? (["light", "dark"] as const) : (["light"] as const);
      const t0 = Date.now();
      let shots = 0;
      for (const mode of modes) {
        await setScheme(page, mode);
        const found = await axeFindings(page, path, mode, mode === "dark" ? "colours" : colours ? "all" : "structure");
        findings.push(...found);
        for (const f of found) appendFileSync(log, `${f.path} [${f.mode}] ${f.impact} ${f.rule}: ${f.help}\n    ${f.targets.join("\n    ")}\n`);
        // A picture where it adds something: the first page of each kind in the run (the one whose colours are
        // checked, in both modes) and any page with a finding. The whole page in light; the first screen in dark
        // (a full-page capture of a long page costs seconds). Every other rule still runs on every page.
        if (colours || found.length > 0) {
          await page.screenshot({ path: test.info().outputPath(`${role}/${slug(path)}-${mode}.png`), fullPage: mode === "light" });
          shots++;
        }
      }
      await setScheme(page, "light");
      const tooWide = (await overflowingTables(page)).map((t) => `${path}: ${t}`);
      wide.push(...tooWide);
      for (const t of tooWide) appendFileSync(log, `table wider than 1440 px: ${t}\n`);
      appendFileSync(log, `visited ${path} (${colours ? "all rules, colours light and dark" : "structure"}, ${shots} screenshot(s), opened in ${navSeconds} s, checked in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);

      // The first link to each kind of detail page not seen yet.
      const links = await page.locator("main a[href^='/']").evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      queueLinkedPages(links, visited, seenKinds, queue);
    }

    test.info().annotations.push({ type: "pages", description: [...visited].join(", ") });
    expect(visited.size, "pages visited").toBeGreaterThan(5);
    const report = findings.map((f) => `${f.path} [${f.mode}] ${f.impact} ${f.rule}: ${f.help}\n    ${f.targets.join("\n    ")}`);
    expect(report, "serious or critical axe violations").toEqual([]);
    expect(wide, "tables scrolling sideways at 1440 px").toEqual([]);
    expect(titles, "navigation labels that differ from the page titles").toEqual([]);
  });
}
