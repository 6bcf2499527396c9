import type { Locator, Page } from "playwright-core";

/**
 * Moving through the portal with the keyboard alone: the tests press keys with `page.keyboard`
 * and only read the page (which element has focus, how it is drawn), never click or fill.
 */

interface FocusedElement {
  /** "button \"Delete webhook\"", "a \"Edit\"", "body": for failure messages. */
  description: string;
  outline: string;
  boxShadow: string;
  focusVisible: boolean;
}

interface DomElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
}
interface DomGlobal {
  document: { activeElement: DomElement | null };
  getComputedStyle(el: DomElement): { outlineStyle: string; outlineWidth: string; outlineColor: string; boxShadow: string };
}

/** What has focus now and how the browser draws it. */
export async function focused(page: Page): Promise<FocusedElement> {
  return page.evaluate(() => {
    const g = globalThis as unknown as DomGlobal;
    const el = g.document.activeElement;
    if (!el) return { description: "nothing", outline: "none", boxShadow: "none", focusVisible: false };
    if (el.tagName === "BODY") return { description: "body", outline: "none", boxShadow: "none", focusVisible: false };
    const name = el.getAttribute("aria-label") ?? el.textContent?.trim().slice(0, 60) ?? "";
    const style = g.getComputedStyle(el);
    return {
      description: `${el.tagName.toLowerCase()} "${name}"`,
      outline: style.outlineStyle === "none" || parseFloat(style.outlineWidth) === 0 || /rgba\(.*,\s*0\)$/.test(style.outlineColor) ? "none" : `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`,
      boxShadow: style.boxShadow,
      focusVisible: el.matches(":focus-visible"),
    };
  });
}

export async function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === (globalThis as unknown as DomGlobal).document.activeElement);
}

/**
 * Presses `key` (Tab, or Shift+Tab backwards) until `target` has focus, and fails naming every
 * element focus passed through when it does not get there within `max` presses: the trail is
 * what a keyboard user would have walked.
 */
export async function pressUntilFocused(page: Page, target: Locator, opts: { key?: "Tab" | "Shift+Tab"; max?: number; what?: string } = {}): Promise<void> {
  const { key = "Tab", max = 40 } = opts;
  await target.waitFor();
  const trail: string[] = [];
  for (let i = 0; i <= max; i++) {
    if (await hasFocus(target)) return;
    if (i === max) break;
    await page.keyboard.press(key);
    trail.push((await focused(page)).description);
  }
  throw new Error(`${key} ×${max} never reached ${opts.what ?? target.toString()}; focus went through: ${trail.join(" → ")}`);
}

/**
 * A box-shadow counts when one of its colours is neither transparent nor white: the portal's
 * ring pairs its outline with a white halo, which on the white page shows nothing by itself.
 */
function visibleShadow(boxShadow: string): boolean {
  if (boxShadow === "none" || boxShadow === "") return false;
  const colours = boxShadow.match(/rgba?\([^)]*\)/g) ?? [];
  return colours.some((c) => {
    const [r, g, b, a = 1] = c.replace(/rgba?\(|\)/g, "").split(",").map(Number);
    return a > 0 && !(r === 255 && g === 255 && b === 255);
  });
}

/**
 * The focused element shows that it is: it matches :focus-visible and is drawn with an outline
 * or a coloured box-shadow. Throws naming the element and its computed styles otherwise.
 */
export async function expectVisibleFocus(page: Page, what: string): Promise<void> {
  const f = await focused(page);
  const drawn = f.outline !== "none" || visibleShadow(f.boxShadow);
  if (!f.focusVisible || !drawn) {
    throw new Error(`no visible focus indicator at ${what}: focus is on ${f.description} (:focus-visible ${f.focusVisible}, outline ${f.outline}, box-shadow ${f.boxShadow})`);
  }
}
