import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AxeResults } from "axe-core";
import type { Page } from "playwright-core";
import { DESKTOP, NARROW } from "../../harness/browser";
import { projectRoot } from "../../src/lib/project-root";

/**
 * The browser itself is harness/browser.ts (the bench drives it too); here: what the portal's
 * tests check with it (axe-core) and the screenshots they write.
 */
export { launchBrowser, DESKTOP, NARROW, type TestBrowser, type BrowserOptions } from "../../harness/browser";

const ROOT = projectRoot(__dirname);
export const SCREENSHOT_DIR = join(ROOT, "test-results", "portal");

// ---------------------------------------------------------------------------
// Accessibility
// ---------------------------------------------------------------------------

const AXE_SOURCE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
interface AxeGlobal {
  axe?: { run(context: unknown, options: unknown): Promise<AxeResults> };
  document: unknown;
}

/**
 * Runs axe-core on the page as it is now and fails listing every serious or critical violation
 * (rule, what it asks, the offending elements). The script goes in through the DevTools protocol:
 * `addScriptTag` injects an inline <script>, which the portal's CSP (`script-src 'self'`) refuses.
 */
export async function expectNoSeriousA11yViolations(page: Page, what: string): Promise<void> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as AxeGlobal).axe === "object");
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => {
    const g = globalThis as unknown as AxeGlobal;
    return g.axe!.run(g.document, { resultTypes: ["violations"] });
  });
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length === 0) return;
  const lines = bad.map((v) => {
    const nodes = v.nodes.slice(0, 5).map((n) => `      ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join("; ") ?? ""}`);
    return `  ${v.id} (${v.impact}): ${v.help}\n${nodes.join("\n")}`;
  });
  throw new Error(`axe found ${bad.length} serious/critical violation(s) on ${what} (${page.url()}):\n${lines.join("\n")}`);
}

/** axe at desktop size and at 360 px, where the page must not scroll sideways; then back to desktop. */
export async function expectAccessibleAtBothSizes(page: Page, what: string): Promise<void> {
  await expectNoSeriousA11yViolations(page, `${what}, desktop`);
  await page.setViewportSize(NARROW);
  try {
    await expectNoSeriousA11yViolations(page, `${what}, 360 px`);
    const overflow = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return el.scrollWidth - el.clientWidth;
    });
    expect({ what, overflow }).toEqual({ what, overflow: 0 });
  } finally {
    await page.setViewportSize(DESKTOP);
  }
}

// ---------------------------------------------------------------------------
// Screenshots
// ---------------------------------------------------------------------------

/**
 * Writes test-results/portal/<name>-<locale>-desktop.png (1280×800) and <name>-<locale>-360.png
 * (360 px wide, the whole page), then puts the page back at desktop size.
 */
export async function screenshots(page: Page, name: string, locale: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const written: string[] = [];
  for (const [label, size] of [["desktop", DESKTOP], ["360", NARROW]] as const) {
    await page.setViewportSize(size);
    await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready);
    const path = join(SCREENSHOT_DIR, `${name}-${locale}-${label}.png`);
    await page.screenshot({ path, fullPage: label === "360", animations: "disabled", caret: "hide" });
    written.push(path);
  }
  await page.setViewportSize(DESKTOP);
  return written;
}
