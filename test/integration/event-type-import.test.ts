import { newId } from "../../src/lib/ids";
import { MAX_EVENT_TYPES_PER_ACCOUNT } from "../../src/event-types/service";
import { SEED_CATALOGS } from "../../src/event-types/seed-catalogs";
import { startTestApp, type TestApp } from "../support/app";

describe("importing a seed platform's event catalog", () => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp();
  });
  beforeEach(async () => {
    ({ apiKey: key, accountId } = await app.newAccount());
  });
  afterAll(() => app.close());

  const importCatalog = (catalog: unknown, k: string | undefined = key) => app.call("POST", "/v1/event-types/import", { key: k, body: { catalog } });
  const ownTypes = async (k = key) => (await app.call("GET", "/v1/event-types", { key: k })).body.data.filter((t: { builtIn: boolean }) => !t.builtIn);

  it("registers the wappcloud types with their samples, names that need not look like noun.verb", async () => {
    const res = await importCatalog("wappcloud");

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ catalog: "wappcloud", created: ["incoming_message", "status_update"], existing: [], skipped: [] });
    const own = await ownTypes();
    expect(own.map((t: { name: string }) => t.name)).toEqual(["incoming_message", "status_update"]);
    expect(own[0]).toMatchObject({ builtIn: false, description: expect.stringContaining("Wappcloud"), sample: SEED_CATALOGS.wappcloud[0]!.sample });
    const direct = await app.call("POST", "/v1/event-types", { key, body: { name: "incoming_message", description: "by hand" } });
    expect(direct.status).toBe(400);
  });

  it("registers the oneroute types in OneRoute's spelling, and webhooks can then subscribe to them", async () => {
    const before = await app.call("POST", "/v1/webhooks", { key, body: { url: "http://127.0.0.1:9/x", dialect: "oneroute", eventTypes: ["newMessage"] } });
    expect(before.status).toBe(422);

    const res = await importCatalog("oneroute");

    expect(res.body).toEqual({ catalog: "oneroute", created: ["newMessage", "compaignDeliveryReport"], existing: [], skipped: [] });
    const emitted = await app.call("POST", "/v1/events", { key, body: { type: "compaignDeliveryReport", data: { message: "campaign completed." } } });
    expect(emitted.status).toBe(202);
  });

  it("registers fourteen oblic types and skips message.created, which is built in, saying so", async () => {
    const res = await importCatalog("oblic");

    expect(res.status).toBe(200);
    expect(res.body.created).toHaveLength(14);
    expect(res.body.created).not.toContain("message.created");
    expect(res.body.skipped).toEqual([{ name: "message.created", reason: "built_in", message: expect.stringContaining("built-in") }]);
    const own = await ownTypes();
    expect(own).toHaveLength(14);
    const builtIn = (await app.call("GET", "/v1/event-types", { key })).body.data.filter((t: { name: string }) => t.name === "message.created");
    expect(builtIn).toEqual([expect.objectContaining({ builtIn: true })]);
  });

  it("changes nothing when imported again, and answers that every type existed", async () => {
    await importCatalog("oblic");
    const first = await app.container.db.eventType.findMany({ where: { accountId }, orderBy: { name: "asc" } });

    const again = await importCatalog("oblic");

    expect(again.status).toBe(200);
    expect(again.body.created).toEqual([]);
    expect(again.body.existing).toHaveLength(14);
    expect(again.body.skipped).toHaveLength(1);
    expect(await app.container.db.eventType.findMany({ where: { accountId }, orderBy: { name: "asc" } })).toEqual(first);
  });

  it("leaves a type the account defined itself as it was, and reports it as existing", async () => {
    await app.call("POST", "/v1/event-types", { key, body: { name: "contact.created", description: "Our own contact event", sample: { mine: true } } });

    const res = await importCatalog("oblic");

    expect(res.body.existing).toEqual(["contact.created"]);
    expect(res.body.created).toHaveLength(13);
    const own = (await ownTypes()).find((t: { name: string }) => t.name === "contact.created");
    expect(own).toMatchObject({ description: "Our own contact event", sample: { mine: true } });
  });

  it("creates each type once when two imports race", async () => {
    const [a, b] = await Promise.all([importCatalog("oblic"), importCatalog("oblic")]);

    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect([...a!.body.created, ...b!.body.created].sort()).toEqual(SEED_CATALOGS.oblic.map((t) => t.name).filter((n) => n !== "message.created").sort());
    expect(await app.container.db.eventType.count({ where: { accountId } })).toBe(14);
  });

  it("registers the types for the calling account only", async () => {
    const other = await app.newAccount("Other");
    await importCatalog("oneroute");

    expect(await ownTypes(other.apiKey)).toEqual([]);
    expect((await importCatalog("oneroute", other.apiKey)).body.created).toEqual(["newMessage", "compaignDeliveryReport"]);
  });

  it("refuses, creating nothing, an import that would pass the per-account limit", async () => {
    await app.container.db.eventType.createMany({
      data: Array.from({ length: MAX_EVENT_TYPES_PER_ACCOUNT - 1 }, (_, i) => ({ id: newId("et"), accountId, name: `filler.t${i}`, description: "filler" })),
    });

    const res = await importCatalog("wappcloud");

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("event_type_limit");
    expect(await app.container.db.eventType.count({ where: { accountId } })).toBe(MAX_EVENT_TYPES_PER_ACCOUNT - 1);
  });

  it("refuses an unknown catalog naming the ones there are, and a call without a key", async () => {
    const res = await importCatalog("slack");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.issues[0]).toMatchObject({ field: "body.catalog" });
    expect(res.body.error.message).toMatch(/wappcloud.*oneroute.*oblic/);
    expect((await app.call("POST", "/v1/event-types/import", { body: { catalog: "oblic" } })).status).toBe(401);
  });

  it("is documented in the OpenAPI document with its body and result", async () => {
    const doc = (await app.call("GET", "/openapi.json")).body;
    const op = doc.paths["/v1/event-types/import"].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "422"]));
    expect(doc.components.schemas.ImportEventTypeCatalog.properties.catalog.enum).toEqual(["wappcloud", "oneroute", "oblic"]);
  });
});
