import { afterAll, afterEach, beforeAll, beforeEach, expect } from "@jest/globals";
import type { Locator, Page } from "playwright-core";
import { ensurePortalBuilt } from "../../harness/portal-build";
import { en, type MessageKey } from "../../portal/src/i18n/en";
import { startTestApp, type TestApp } from "./app";
import type { ContainerOverrides } from "../../src/container";
import { launchBrowser, type TestBrowser } from "./browser";
import { runId } from "./env";

/**
 * The API serving a freshly built portal, with the in-process delivery worker, on its own
 * database and BullMQ prefix: what every test/portal file starts with.
 */
export async function startPortalApp(env: Record<string, string> = {}, overrides: ContainerOverrides = {}): Promise<TestApp> {
  await ensurePortalBuilt({ run: runId(), log: (m) => console.warn(m) });
  return startTestApp(env, { ...overrides, worker: true });
}

export interface PortalSuite {
  app: TestApp;
  /** The account's API key. */
  key: string;
  browser: TestBrowser;
  /** This test's page. */
  page: Page;
}

/**
 * What a test/portal file starts with: before all, the portal's app (with `env`), an account
 * named `account`, then `seed` if given, then a browser; before each test a fresh page, signed
 * in to the account unless `signedIn` is false; everything closed after. `bind` is handed the
 * suite each time it changes, for the file's own variables: `(s) => ({ app, key, browser, page } = s)`.
 */
export function usePortalSuite(
  opts: { env?: Record<string, string>; account: string; signedIn?: boolean; seed?: (app: TestApp, key: string) => Promise<void> },
  bind: (suite: PortalSuite) => void,
): void {
  const suite = {} as PortalSuite;
  beforeAll(async () => {
    suite.app = await startPortalApp(opts.env);
    suite.key = (await suite.app.newAccount(opts.account)).apiKey;
    await opts.seed?.(suite.app, suite.key);
    suite.browser = await launchBrowser();
    bind(suite);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.app?.close();
  });
  beforeEach(async () => {
    suite.page = await suite.browser.newPage();
    if (opts.signedIn !== false) await signIn(suite.page, suite.app, suite.key);
    bind(suite);
  });
  afterEach(async () => {
    await suite.page.close();
  });
}

/** The page's level-one heading named exactly `name`. */
export function heading1(page: Page, name: string): Locator {
  return page.getByRole("heading", { level: 1, name, exact: true });
}

/** A catalog string with its `{name}` placeholders filled, as the portal's `t()` does. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}, messages: Record<MessageKey, string> = en): string {
  return messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A catalog string as a regex matching it exactly, placeholders as wildcards (for accessible names). */
export function tPattern(key: MessageKey, messages: Record<MessageKey, string> = en): RegExp {
  const escaped = messages[key].replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{\w+\\\}/g, ".+");
  return new RegExp(`^${escaped}$`);
}

export interface PortalLinkRequest {
  access?: "manage" | "read";
  locale?: "en" | "pt" | "ar";
  ttlSeconds?: number;
  branding?: { productName?: string; accentColor?: string };
}

export interface PortalLink {
  id: string;
  url: string;
  linkExpiresAt: string;
  access: "manage" | "read";
}

/** What the product's backend does: asks for a magic link with its account key. */
export async function createPortalLink(app: TestApp, key: string, body: PortalLinkRequest = {}): Promise<PortalLink> {
  const res = await app.call("POST", "/v1/portal/sessions", { key, body });
  expect(res.status).toBe(201);
  return res.body as PortalLink;
}

/** Opens a fresh magic link in `page`; resolves once the portal's shell (its nav) is up. */
export async function signIn(page: Page, app: TestApp, key: string, body: PortalLinkRequest = {}): Promise<PortalLink> {
  const link = await createPortalLink(app, key, body);
  await page.goto(link.url);
  await page.getByRole("navigation").first().waitFor();
  return link;
}

/** The Authorization the portal sends: its session token, read from inside the page. */
export async function sessionToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => {
    const store = (globalThis as unknown as { sessionStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null } }).sessionStorage;
    for (let i = 0; i < store.length; i++) {
      const value = store.getItem(store.key(i) ?? "");
      if (value?.startsWith("hrps_")) return value;
      // A JSON record holding it, should the portal store one.
      const inJson = value?.match(/"(hrps_[A-Za-z0-9_-]+)"/);
      if (inJson) return inJson[1]!;
    }
    return null;
  });
  if (!token) throw new Error("no portal session token (hrps_…) in this page's sessionStorage");
  return token;
}

export interface PageResponse {
  status: number;
  // Tests look into bodies freely; each assertion states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A request made by the page itself (its origin, its cookies if any), with `token` as bearer when given. */
export async function fetchFromPage(page: Page, method: string, url: string, opts: { token?: string; body?: unknown } = {}): Promise<PageResponse> {
  return page.evaluate(
    async ({ method, url, token, body }) => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const f = (globalThis as unknown as { fetch: typeof fetch }).fetch;
      const res = await f(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    },
    { method, url, token: opts.token, body: opts.body },
  );
}
