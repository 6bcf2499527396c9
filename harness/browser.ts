import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * Real headless Chromium for the portal's end-to-end tests: Debian's package (`npm test` installs
 * it), driven by playwright-core. Never `playwright install`: that downloads a browser from a CDN.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const DESKTOP = { width: 1280, height: 800 } as const;
export const NARROW = { width: 360, height: 800 } as const;

/**
 * Test traffic goes to loopback only. Every host name but localhost fails to resolve, and every
 * request Chromium would make to a non-loopback address goes to a proxy on a closed loopback port
 * (loopback itself bypasses proxies), so nothing the browser does can leave the machine.
 */
const NETWORK_GUARD = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9"];
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  ...NETWORK_GUARD,
];

export interface BrowserOptions {
  /**
   * "blocked" (the default) is Chromium's "Block third-party cookies" setting: a frame whose site
   * differs from the top page's gets no cookies and no storage (sessionStorage throws). "allowed"
   * turns it off, for the control case that shows the setting is what made the difference.
   */
  thirdPartyCookies?: "blocked" | "allowed";
  /** navigator.language and Accept-Language. */
  locale?: string;
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at desktop size; its uncaught errors are collected in `pageErrors`. */
  newPage(): Promise<Page>;
  /** Uncaught exceptions in any page, as "url: message". */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * The cookie setting lives in the profile's preferences (chrome://settings/cookies writes the same
 * keys): `profile.cookie_controls_mode` 1 = block third-party cookies, 0 = allow them; the older
 * `profile.block_third_party_cookies` says the same for builds that still read it. Chromium reads
 * Default/Preferences of a fresh --user-data-dir at start, so it is written before launch. Both
 * values are written explicitly: Chromium 156's own default for a new profile already blocks them,
 * and a test must not depend on a default.
 */
function writeProfile(userDataDir: string, thirdPartyCookies: "blocked" | "allowed"): void {
  const blocked = thirdPartyCookies === "blocked";
  mkdirSync(join(userDataDir, "Default"), { recursive: true });
  const prefs = { profile: { cookie_controls_mode: blocked ? 1 : 0, block_third_party_cookies: blocked } };
  writeFileSync(join(userDataDir, "Default", "Preferences"), JSON.stringify(prefs));
}

export async function launchBrowser(opts: BrowserOptions = {}): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "hookrelay-chromium-"));
  writeProfile(userDataDir, opts.thirdPartyCookies ?? "blocked");
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: DESKTOP,
      locale: opts.locale ?? "en-US",
      timezoneId: "UTC",
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(`could not start ${CHROMIUM} (npm test installs Debian's chromium package when root): ${(err as Error).message}`);
  }
  // Well inside jest's 30 s per test, so a locator that never matches fails saying which.
  context.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  const watch = (page: Page) => page.on("pageerror", (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    pageErrors,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
