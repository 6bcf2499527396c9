import type { AnyRoute } from "../../src/http/route";
import { startTestApp, type TestApp, type TestResponse } from "../support/app";

/**
 * Hostile and clumsy input on every declared route: each answer must be a 4xx in the one error
 * format, and a status the route's OpenAPI entry documents. Routes are read from the app
 * itself, so a new route is covered the day it is added.
 */
describe("bad input gets a documented 4xx in the one error format", () => {
  let app: TestApp;
  let accountKey: string;
  let accountId: string;
  let documented: (route: AnyRoute) => number[];

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_MAX_REQUEST_BYTES: "65536" });
    ({ apiKey: accountKey, accountId } = await app.newAccount());
    const doc = (await app.call("GET", "/openapi.json")).body;
    documented = (route) =>
      Object.keys(doc.paths[route.path.replace(/:(\w+)/g, "{$1}")][route.method].responses).map(Number);
  });
  afterAll(() => app.close());

  const keyFor = (route: AnyRoute) => (route.auth === "admin" ? app.adminKey : route.auth === "public" ? undefined : accountKey);
  const pathOf = (route: AnyRoute) => route.path.replace(":id", route.path.startsWith("/v1/accounts") ? accountId : "wh_01M8000000000000000000000Z");
  const withBody = () => app.container.routes.filter((r) => r.body);

  function expectErrorFormat(res: TestResponse, route: AnyRoute, status: number, code?: string) {
    expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status });
    expect(Object.keys(res.body)).toEqual(["error"]);
    expect(typeof res.body.error.code).toBe("string");
    expect(typeof res.body.error.message).toBe("string");
    expect(res.body.error.message).not.toMatch(/\n\s+at /);
    if (code) expect(res.body.error.code).toBe(code);
    expect(documented(route)).toContain(status);
  }

  it("answers malformed JSON with 400 invalid_json", async () => {
    for (const route of withBody()) {
      const res = await app.call(route.method.toUpperCase(), pathOf(route), {
        key: keyFor(route),
        rawBody: '{"url": "https://x.example", ',
        headers: { "content-type": "application/json" },
      });
      expectErrorFormat(res, route, 400, "invalid_json");
    }
  });

  it("answers a body that is not JSON with 415", async () => {
    for (const route of withBody()) {
      const res = await app.call(route.method.toUpperCase(), pathOf(route), {
        key: keyFor(route),
        rawBody: "url=https://x.example",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expectErrorFormat(res, route, 415, "unsupported_media_type");
    }
  });

  it("answers an oversize body with 413", async () => {
    for (const route of withBody()) {
      const limit = route.maxBodyBytes ?? 65_536;
      const res = await app.call(route.method.toUpperCase(), pathOf(route), { key: keyFor(route), body: { name: "x".repeat(limit + 1_000) } });
      expectErrorFormat(res, route, 413, "payload_too_large");
    }
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "hello"],
    ["a number", 42],
    ["null", null],
    ["deeply nested objects", JSON.parse("[".repeat(500) + "]".repeat(500))],
  ])("answers %s as the body with 400 validation_failed", async (_label, body) => {
    for (const route of withBody()) {
      const res = await app.call(route.method.toUpperCase(), pathOf(route), { key: keyFor(route), body });
      expectErrorFormat(res, route, 400, "validation_failed");
    }
  });

  it("names unknown fields", async () => {
    for (const route of withBody()) {
      const res = await app.call(route.method.toUpperCase(), pathOf(route), { key: keyFor(route), body: { surprise: true } });
      expectErrorFormat(res, route, 400, "validation_failed");
      expect(res.body.error.details.issues).toContainEqual({ field: "body.surprise", message: "unknown field", code: "unrecognized_keys" });
    }
  });

  it("refuses a body on routes that take none", async () => {
    const verify = app.container.routes.find((r) => r.path === "/v1/webhooks/:id/verify")!;
    const res = await app.call("POST", pathOf(verify), { key: accountKey, body: { force: true } });
    expectErrorFormat(res, verify, 400, "validation_failed");
  });

  it.each([
    ["url of the wrong type", { url: 42 }, "body.url"],
    ["url that is not a URL", { url: "not a url" }, "body.url"],
    ["url with credentials", { url: "https://user:pw@example.com/h" }, "body.url"],
    ["url far too long", { url: `https://example.com/${"a".repeat(3000)}` }, "body.url"],
    ["verifyToken too short", { verifyToken: "short" }, "body.verifyToken"],
    ["verifyToken too long", { verifyToken: "x".repeat(257) }, "body.verifyToken"],
    ["verifyToken with spaces", { verifyToken: "has spaces in it, see" }, "body.verifyToken"],
    ["verifyToken with non-ASCII", { verifyToken: "ключ-ключ-ключ-ключ" }, "body.verifyToken"],
    ["eventTypes not an array", { eventTypes: "message.created" }, "body.eventTypes"],
    ["eventTypes empty", { eventTypes: [] }, "body.eventTypes"],
    ["eventTypes with a non-string", { eventTypes: [{}] }, "body.eventTypes.0"],
    ["description too long", { description: "d".repeat(501) }, "body.description"],
  ])("names the field when creating a webhook with %s", async (_label, override, field) => {
    const route = app.container.routes.find((r) => r.method === "post" && r.path === "/v1/webhooks")!;
    const body = { url: "https://example.com/h", verifyToken: "a-good-token-123456", eventTypes: ["message.created"], ...override };
    const res = await app.call("POST", "/v1/webhooks", { key: accountKey, body });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(res.body.error.message).toContain(field);
  });

  it("refuses an empty change", async () => {
    const route = app.container.routes.find((r) => r.method === "patch")!;
    const res = await app.call("PATCH", pathOf(route), { key: accountKey, body: {} });
    expectErrorFormat(res, route, 400, "validation_failed");
  });

  it.each([
    ["limit=0", "validation_failed"],
    ["limit=101", "validation_failed"],
    ["limit=abc", "validation_failed"],
    ["cursor=%%%", "invalid_cursor"],
    ["cursor=bm90LWpzb24", "invalid_cursor"],
    ["cursor=e30", "invalid_cursor"],
    ["unknown=1", "validation_failed"],
  ])("answers list query %s with 400", async (query, code) => {
    const route = app.container.routes.find((r) => r.method === "get" && r.path === "/v1/webhooks")!;
    const res = await app.call("GET", `/v1/webhooks?${query}`, { key: accountKey });
    expectErrorFormat(res, route, 400, code);
  });

  it.each(["nope", "wh_", "wh_01M8000000000000000000000Z", "x".repeat(64), "%E2%98%83"])(
    "answers a webhook id like %s with 404",
    async (id) => {
      const route = app.container.routes.find((r) => r.method === "get" && r.path === "/v1/webhooks/:id")!;
      const res = await app.call("GET", `/v1/webhooks/${id}`, { key: accountKey });
      expectErrorFormat(res, route, 404, "not_found");
    },
  );

  it("answers an overlong id with 400 naming the path parameter", async () => {
    const route = app.container.routes.find((r) => r.method === "get" && r.path === "/v1/webhooks/:id")!;
    const res = await app.call("GET", `/v1/webhooks/${"x".repeat(65)}`, { key: accountKey });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.message).toContain("path.id");
  });

  it.each([
    ["a name that is not noun.verb", { name: "Invoice Paid", description: "d" }, 400],
    ["a missing description", { name: "invoice.paid" }, 400],
    ["a sample that is not an object", { name: "invoice.paid", description: "d", sample: [1] }, 400],
    ["a built-in name", { name: "message.created", description: "mine" }, 409],
  ])("refuses an event type with %s", async (_label, body, status) => {
    const route = app.container.routes.find((r) => r.method === "post" && r.path === "/v1/event-types")!;
    const res = await app.call("POST", "/v1/event-types", { key: accountKey, body });
    expectErrorFormat(res, route, status);
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    const missing = await app.call("GET", "/v1/nothing-here", { key: accountKey });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("route_not_found");
    const wrong = await app.call("PUT", "/v1/webhooks", { key: accountKey });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
    expect(wrong.body.error.code).toBe("method_not_allowed");
  });
});

describe("requests too broken for the router", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it("answers a malformed request line with 400 in the error format", async () => {
    const { connect } = await import("node:net");
    const url = new URL(app.baseUrl);
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write("patch /v1/webhooks HTTP/1.1\r\nHost: x\r\n\r\n"));
      let data = "";
      socket.on("data", (d) => (data += d.toString()));
      // The server answers and closes at once; a reset racing our write is not the point here.
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toEqual({
      error: { code: "bad_request", message: "the HTTP request could not be parsed" },
    });
  });
});
