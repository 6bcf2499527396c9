import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "../support/app";
import { expectNoSeriousA11yViolations, launchBrowser, type TestBrowser } from "../support/browser";
import { dashboardFraming, startOtherSite, type OtherSite } from "../support/other-site";

/**
 * What the portal's browser tests stand on, shown to work without the portal.
 *
 * The embedding tests rely on `launchBrowser({thirdPartyCookies: "blocked"})` being Chromium with
 * third-party cookies really blocked. This shows it with nothing of hookrelay in the way: a frame
 * from another site tries to set a cookie (by header and by script) and use sessionStorage, then
 * a second load of it reads what stuck. With the setting off, the same frame keeps its cookies.
 */
interface FrameReport {
  cookie: string;
  storage: string;
  /** The Cookie header the frame's request carried. */
  sent: string;
}

describe("a browser launched with third-party cookies blocked", () => {
  let third: Server;
  let thirdOrigin: string;
  let top: OtherSite;

  beforeAll(async () => {
    // The third party: 127.0.0.1, while the top page is localhost (another site).
    third = createServer((req, res) => {
      const sent = JSON.stringify(req.headers.cookie ?? "");
      const setting = req.url?.startsWith("/set") ?? false;
      const script = `
        ${setting ? `document.cookie = "byScript=1; SameSite=None; Secure; Path=/";` : ""}
        let storage;
        try { ${setting ? `sessionStorage.setItem("k", "v"); ` : ""}storage = "value:" + sessionStorage.getItem("k"); } catch (e) { storage = "threw " + e.name; }
        parent.postMessage({ cookie: document.cookie, storage, sent: ${sent} }, "*");`;
      res.writeHead(200, {
        "content-type": "text/html",
        ...(setting ? { "set-cookie": "byHeader=1; SameSite=None; Secure; Path=/" } : {}),
      });
      res.end(`<!doctype html><title>third party</title><script>${script}</script>`);
    });
    third.listen(0, "127.0.0.1");
    await once(third, "listening");
    thirdOrigin = `http://127.0.0.1:${(third.address() as AddressInfo).port}`;
    top = await startOtherSite();
  });
  afterAll(async () => {
    third.closeAllConnections();
    await new Promise((r) => third.close(r));
    await top.close();
  });

  /** Frames /set, then /read, in one browser; what each frame reported. */
  async function frameTwice(browser: TestBrowser): Promise<FrameReport[]> {
    const page = await browser.newPage();
    const reports: FrameReport[] = [];
    await page.exposeFunction("report", (r: FrameReport) => void reports.push(r));
    await page.addInitScript(() => {
      const g = globalThis as unknown as { addEventListener(t: string, f: (e: { data: unknown }) => void): void; report(d: unknown): void };
      g.addEventListener("message", (e) => g.report(e.data));
    });
    for (const [i, path] of ["/set", "/read"].entries()) {
      await page.goto(top.page(`/frame${i}`, dashboardFraming(`${thirdOrigin}${path}`)));
      await eventually(async () => reports.length === i + 1, `the frame at ${path} to report`, 5_000);
    }
    await page.close();
    return reports;
  }

  it("gives a frame from another site no cookie and no sessionStorage", async () => {
    const browser = await launchBrowser({ thirdPartyCookies: "blocked" });
    try {
      const [set, read] = await frameTwice(browser);
      expect(set).toEqual({ cookie: "", storage: "threw SecurityError", sent: "" });
      expect(read).toEqual({ cookie: "", storage: "threw SecurityError", sent: "" });
    } finally {
      await browser.close();
    }
  });

  it("lets the same frame keep its cookies when the setting is off (so the case above is the setting's doing)", async () => {
    const browser = await launchBrowser({ thirdPartyCookies: "allowed" });
    try {
      const [set, read] = await frameTwice(browser);
      expect(set).toEqual({ cookie: "byHeader=1; byScript=1", storage: "value:v", sent: "" });
      expect(read).toMatchObject({ cookie: "byHeader=1; byScript=1", sent: "byHeader=1; byScript=1" });
    } finally {
      await browser.close();
    }
  });
});

describe("the accessibility check", () => {
  let browser: TestBrowser;
  let site: OtherSite;
  beforeAll(async () => {
    browser = await launchBrowser();
    site = await startOtherSite();
  });
  afterAll(async () => {
    await browser.close();
    await site.close();
  });

  it("fails naming each serious or critical violation, and passes a page without any", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(site.page("/bad", `<!doctype html><html lang="en"><title>bad</title><main><h1>Bad</h1>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <input type="text">
        <p style="color:#bbb;background:#fff">low contrast</p></main></html>`));
      const failure = await expectNoSeriousA11yViolations(page, "a bad page").then(() => null, (err: Error) => err.message);
      expect(failure).toContain("image-alt (critical)");
      expect(failure).toContain("label (critical)");
      expect(failure).toContain("color-contrast (serious)");

      await page.goto(site.page("/good", `<!doctype html><html lang="en"><title>good</title><main><h1>Good</h1>
        <label for="n">Name</label><input id="n" type="text"></main></html>`));
      await expectNoSeriousA11yViolations(page, "a good page");
    } finally {
      await page.close();
    }
  });
});
