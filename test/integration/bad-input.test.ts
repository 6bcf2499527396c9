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
    const route = app.container.routes.find((r) => r.method === "patch" && r.auth !== "admin")!;
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

  // Regressions found by the fuzz run (api-fuzz.test.ts): each of these answered 500.
  it.each(["%FF", "wh_%", "%C3%28", "%ED%A0%80"])("answers a path parameter that does not decode (%s) with 400 invalid_path", async (id) => {
    const route = app.container.routes.find((r) => r.method === "get" && r.path === "/v1/webhooks/:id")!;
    const res = await app.call("GET", `/v1/webhooks/${id}`, { key: accountKey });
    expectErrorFormat(res, route, 400, "invalid_path");
  });

  it.each([
    ["a lone surrogate in an event type", "POST", "/v1/events/batch", { events: [{ type: "\ud800", data: {} }] }, "body.events.0.type"],
    ["a NUL in a description", "POST", "/v1/event-types", { name: "invoice.paid", description: "x\u0000y" }, "body.description"],
    ["a NUL in an idempotency key", "POST", "/v1/events", { type: "message.created", data: {}, idempotencyKey: "k\u0000" }, "body.idempotencyKey"],
    ["a lone surrogate in a sample", "POST", "/v1/event-types", { name: "invoice.paid", description: "d", sample: { a: "\udfff" } }, "body.sample.a"],
  ])("answers %s with 400 naming the field", async (_label, method, path, body, field) => {
    const route = app.container.routes.find((r) => r.method === method.toLowerCase() && r.path === path)!;
    const res = await app.call(method, path, { key: accountKey, body });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.details.issues).toEqual([{ field, message: "must be valid Unicode text without NUL characters", code: "invalid_text" }]);
  });

  it("accepts NUL and lone surrogates inside event data, which is stored and sent as escaped JSON text", async () => {
    const { apiKey } = await app.newAccount();
    const res = await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: { "k\u0000": "\udc00", s: "a\u0000b" } } });
    expect(res.status).toBe(202);
    const stored = await app.container.db.event.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.data).toBe('{"k\\u0000":"\\udc00","s":"a\\u0000b"}');
  });

  it("answers a NUL in a query value with 400 naming the parameter", async () => {
    const route = app.container.routes.find((r) => r.path === "/v1/webhooks/:id/deliveries")!;
    const res = await app.call("GET", "/v1/webhooks/wh_01M8000000000000000000000Z/deliveries?eventType=%00", { key: accountKey });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.details.issues[0].field).toBe("query.eventType");
  });

  it.each([
    ["event data", "/v1/events", (deep: string) => `{"type":"message.created","data":{"a":${deep}}}`],
    ["an event type's sample", "/v1/event-types", (deep: string) => `{"name":"invoice.paid","description":"d","sample":{"a":${deep}}}`],
    ["custom dialect options", "/v1/webhooks", (deep: string) => `{"url":"https://example.com/h","eventTypes":["message.created"],"dialect":"custom","dialectOptions":{"a":${deep}}}`],
  ])("answers %s nested 10,000 levels deep with 400 too_deep", async (_label, path, body) => {
    const route = app.container.routes.find((r) => r.method === "post" && r.path === path)!;
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const res = await app.call("POST", path, { key: accountKey, rawBody: body(deep), headers: { "content-type": "application/json" } });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.details.issues[0]).toMatchObject({ code: "too_deep", message: "is nested deeper than 100 levels" });
  });

  it("answers a batch that uses one idempotency key twice with 400, storing nothing", async () => {
    const route = app.container.routes.find((r) => r.path === "/v1/events/batch")!;
    const events = [0, 1, 2].map((i) => ({ type: "message.created", data: { i }, idempotencyKey: i === 0 ? "other" : "twice" }));
    const res = await app.call("POST", "/v1/events/batch", { key: accountKey, body: { events } });
    expectErrorFormat(res, route, 400, "validation_failed");
    expect(res.body.error.details.issues).toEqual([{ field: "body.events.2.idempotencyKey", message: expect.stringContaining("event 1"), code: "duplicate_idempotency_key" }]);
    expect(await app.container.db.event.count({ where: { accountId } })).toBe(0);
  });

  it("answers a body that claims gzip but is not with 400", async () => {
    for (const route of withBody()) {
      const res = await app.call(route.method.toUpperCase(), pathOf(route), {
        key: keyFor(route),
        rawBody: '{"name":"x"}',
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
      });
      expectErrorFormat(res, route, 400, "bad_request");
    }
  });

  it("answers a body sent where none belongs the way it answers one sent anywhere, and documents it", async () => {
    // (fetch sends no body with a GET; the fuzz run does, with the same result.)
    const route = app.container.routes.find((r) => r.method === "delete")!;
    const res = await app.call("DELETE", pathOf(route), { key: accountKey, rawBody: "a=1", headers: { "content-type": "text/plain" } });
    expectErrorFormat(res, route, 415, "unsupported_media_type");
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
