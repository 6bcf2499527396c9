import { startTestApp, type TestApp } from "../support/app";

describe("GET /openapi.json", () => {
  let app: TestApp;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let doc: any;

  beforeAll(async () => {
    app = await startTestApp();
    const res = await app.call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => app.close());

  it("is an OpenAPI 3.1 document", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "hookrelay", version: expect.any(String) });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("lists every route the app serves, and nothing else", () => {
    const served = app.container.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`).sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    for (const expected of [
      "post /v1/webhooks",
      "get /v1/webhooks",
      "get /v1/webhooks/{id}",
      "patch /v1/webhooks/{id}",
      "delete /v1/webhooks/{id}",
      "post /v1/webhooks/{id}/verify",
      "post /v1/accounts",
      "get /v1/event-types",
      "post /v1/event-types",
      "get /healthz",
      "get /readyz",
      "get /openapi.json",
    ]) {
      expect(served).toContain(expected);
    }
  });

  it("describes request bodies and errors with the schemas the routes validate with", () => {
    const create = doc.paths["/v1/webhooks"].post;
    const body = create.requestBody.content["application/json"].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split("/").pop()] : body;
    expect(schema.required).toEqual(expect.arrayContaining(["url", "eventTypes"]));
    expect(schema.properties.dialect.enum).toEqual(["meta", "wappcloud", "oneroute", "oblic", "slack", "telegram", "standard-webhooks", "custom"]);
    expect(schema.properties.verifyToken).toMatchObject({ minLength: 16, maxLength: 256 });
    expect(schema.additionalProperties).toBe(false);
    expect(create.responses["422"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "413", "415", "422"]));
    // The scope an account key needs, as the security requirement's role (src/access/scopes.ts).
    expect(create.security).toEqual([{ bearerAuth: ["webhooks:write"] }]);
    expect(create["x-required-scope"]).toBe("webhooks:write");
  });

  it("documents path parameters and marks public routes as needing no key", () => {
    const get = doc.paths["/v1/webhooks/{id}"].get;
    expect(get.parameters).toContainEqual(expect.objectContaining({ in: "path", name: "id", required: true }));
    expect(doc.paths["/healthz"].get.security).toEqual([]);
  });

  it("follows configuration: the verify token minimum comes from config", async () => {
    const strict = await startTestApp({ HOOKRELAY_VERIFY_TOKEN_MIN_LENGTH: "32" });
    try {
      const d = (await strict.call("GET", "/openapi.json")).body;
      expect(d.components.schemas.CreateWebhook.properties.verifyToken.minLength).toBe(32);
    } finally {
      await strict.close();
    }
  });
});
