import { allows, SCOPES, type Scope } from "../../src/access/scopes";
import type { AnyRoute } from "../../src/http/route";
import { startTestApp, type TestApp, type TestResponse } from "../support/app";
import { fillPath, operationsOf, refName, resolveRef, type OpenApiDocument, type Operation } from "../support/openapi-walk";
import { startReceiver, type Receiver } from "../support/receivers";
import { keyWithScopes } from "../support/scoped-keys";

const TOKEN = "isolation-token-000001";

/**
 * Walks every operation of the OpenAPI document as account B on account A's data, so that a
 * route added tomorrow is checked tomorrow. Operations on one resource (`{id}` in the path)
 * must answer B 404, exactly as for an id that does not exist, and change and send nothing.
 * Operations on a collection have no id to refuse: each must say below how it keeps A's data
 * from B, or this test fails naming it. Each walk also runs with keys of one scope: the scope an
 * operation needs lets a key past the door, never into another account's data, and a key
 * without it is refused the same way whether the resource exists or not.
 */

/** Valid bodies by request schema, so that B's 404 is not a 400 in disguise. `{}` serves the rest. */
const SAMPLE_BODIES: Record<string, unknown> = {
  UpdateWebhook: { description: "taken over", url: "http://127.0.0.1:1/evil" },
  RotateSecret: { graceSeconds: 0, secret: "stolen-secret-0000000001" },
  CreateApiKey: { name: "stolen" },
  UpdateAccount: { retentionDays: 1 },
  StartReplay: { since: "2026-01-01T00:00:00Z", statuses: "all" },
};

interface World {
  app: TestApp;
  a: { accountId: string; apiKey: string };
  b: { accountId: string; apiKey: string };
  /** A's resource behind each `{id}`, by the path segment that names the resource. */
  idsOfA: Record<string, string>;
  /** A signed-in portal session of A's. */
  portalOfA: string;
}

/** How each collection operation keeps accounts apart, checked as B. */
const COLLECTIONS: Record<string, (w: World) => Promise<void>> = {
  "GET /v1/webhooks": async ({ app, b }) => {
    expect((await app.call("GET", "/v1/webhooks?limit=100", { key: b.apiKey })).body.data).toEqual([]);
  },
  "POST /v1/webhooks": async ({ app, b }) => {
    // Subscribing to A's own event type is refused as unknown: B cannot see it.
    const res = await app.call("POST", "/v1/webhooks", { key: b.apiKey, body: { url: "http://127.0.0.1:1/h", verifyToken: TOKEN, eventTypes: ["invoice.sent"] } });
    expect(res.body.error.code).toBe("unknown_event_types");
  },
  "GET /v1/event-types": async ({ app, b }) => {
    const names = (await app.call("GET", "/v1/event-types", { key: b.apiKey })).body.data.map((t: { name: string }) => t.name);
    expect(names).not.toContain("invoice.sent");
  },
  "POST /v1/event-types": async ({ app, b }) => {
    // The same name is B's own, not a clash with A's.
    expect((await app.call("POST", "/v1/event-types", { key: b.apiKey, body: { name: "invoice.sent", description: "B's" } })).status).toBe(201);
  },
  "POST /v1/event-types/import": async ({ app, b }) => {
    expect((await app.call("POST", "/v1/event-types/import", { key: b.apiKey, body: { catalog: "oblic" } })).status).toBe(200);
  },
  "POST /v1/events": async ({ app, a, b }) => {
    const res = await app.call("POST", "/v1/events", { key: b.apiKey, body: { type: "message.created", data: {}, accountId: a.accountId } });
    expect(res.status).toBe(403);
  },
  "POST /v1/events/batch": async ({ app, a, b }) => {
    const res = await app.call("POST", "/v1/events/batch", { key: b.apiKey, body: { events: [{ type: "message.created", data: {} }], accountId: a.accountId } });
    expect(res.status).toBe(403);
  },
  "POST /v1/accounts": async ({ app, b }) => {
    expect((await app.call("POST", "/v1/accounts", { key: b.apiKey, body: { name: "sneaky" } })).status).toBe(403);
  },
  "GET /v1/events": async ({ app, b }) => {
    expect((await app.call("GET", "/v1/events?limit=100", { key: b.apiKey })).body.data).toEqual([]);
  },
  "GET /v1/audit-log": async ({ app, a, b, idsOfA }) => {
    // B reads its own log only: nothing about A's resources, and naming A is refused.
    const entries = (await app.call("GET", "/v1/audit-log?limit=100", { key: b.apiKey })).body.data as { target: { id: string } }[];
    const aIds = new Set([a.accountId, ...Object.values(idsOfA)]);
    expect(entries.filter((e) => aIds.has(e.target.id))).toEqual([]);
    expect((await app.call("GET", `/v1/audit-log?accountId=${a.accountId}`, { key: b.apiKey })).status).toBe(403);
  },
  "GET /v1/api-keys": async ({ app, a, b }) => {
    // B lists B's keys only.
    const ids = (await app.call("GET", "/v1/api-keys", { key: b.apiKey })).body.data.map((k: { id: string }) => k.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(await app.container.db.apiKey.count({ where: { id: { in: ids }, accountId: { not: b.accountId } } })).toBe(0);
    expect(await app.container.db.apiKey.count({ where: { accountId: a.accountId } })).toBeGreaterThan(0);
  },
  "POST /v1/api-keys": async ({ app, b }) => {
    // A key B makes is B's.
    const made = await app.call("POST", "/v1/api-keys", { key: b.apiKey, body: { name: "B's" } });
    expect(made.status).toBe(201);
    expect((await app.container.db.apiKey.findUniqueOrThrow({ where: { id: made.body.id } })).accountId).toBe(b.accountId);
  },
  "POST /v1/portal/sessions": async ({ app, a, b }) => {
    // B's key cannot open A's portal; its own link opens B's.
    expect((await app.call("POST", "/v1/portal/sessions", { key: b.apiKey, body: { accountId: a.accountId } })).status).toBe(403);
    const session = await portalSession(app, b.apiKey);
    expect((await app.call("GET", "/v1/portal/session", { key: session })).body.accountId).toBe(b.accountId);
  },
  "GET /v1/portal/session": async ({ app, b }) => {
    // An API key is no portal session, and B's session is B's.
    expect((await app.call("GET", "/v1/portal/session", { key: b.apiKey })).status).toBe(403);
    expect((await app.call("GET", "/v1/portal/session", { key: await portalSession(app, b.apiKey) })).body.accountId).toBe(b.accountId);
  },
  "DELETE /v1/portal/session": async ({ app, b, portalOfA }) => {
    // B signing out ends B's session, never A's.
    const session = await portalSession(app, b.apiKey);
    expect((await app.call("DELETE", "/v1/portal/session", { key: session })).status).toBe(204);
    expect((await app.call("GET", "/v1/portal/session", { key: session })).status).toBe(401);
    expect((await app.call("GET", "/v1/portal/session", { key: portalOfA })).status).toBe(200);
  },
};

/**
 * A's id for a path parameter of `op`: the resource its path names, but for the admin key routes'
 * `{keyId}` (/v1/accounts/{id}/api-keys/{keyId}/…), another key of A's than /v1/api-keys/{id} uses,
 * so that each pair of rotate and revoke has a key of its own.
 */
function idOfA(idsOfA: Record<string, string>, op: Operation, param: string): string | undefined {
  return param === "keyId" ? idsOfA["account-api-keys"] : idsOfA[op.path.split("/")[2]!];
}

/** A signed-in portal session of the key's account: a link, exchanged. */
async function portalSession(app: TestApp, key: string, access: "manage" | "read" = "manage"): Promise<string> {
  const created = await app.call("POST", "/v1/portal/sessions", { key, body: { access } });
  expect(created.status).toBe(201);
  const token = new URL(created.body.url).hash.replace("#token=", "");
  const exchanged = await app.call("POST", "/v1/portal/session/exchange", { body: { token } });
  expect(exchanged.status).toBe(200);
  return exchanged.body.sessionToken;
}

function bodyFor(doc: OpenApiDocument, op: Operation): unknown {
  if (!op.body) return undefined;
  const sample = SAMPLE_BODIES[refName(op.body) ?? ""];
  if (sample !== undefined) return sample;
  if ((resolveRef(doc, op.body).required ?? []).length > 0) throw new Error(`${op.label}: add a valid body for it to SAMPLE_BODIES`);
  return {};
}

describe("one account can neither see nor touch another's data, on any route", () => {
  let world: World;
  let doc: OpenApiDocument;
  let receiver: Receiver;
  let routeOf: (op: Operation) => AnyRoute;
  const snapshotOfA = async () => {
    const where = { where: { accountId: world.a.accountId } };
    const db = world.app.container.db;
    return {
      webhooks: await db.webhook.findMany({ ...where, orderBy: { id: "asc" } }),
      deliveries: await db.delivery.findMany({ ...where, orderBy: { id: "asc" } }),
      attempts: await db.deliveryAttempt.count(where),
      events: await db.event.count(where),
      eventTypes: await db.eventType.findMany({ ...where, orderBy: { id: "asc" } }),
      keys: await db.apiKey.count(where),
      portalSessions: await db.portalSession.findMany({ ...where, orderBy: { id: "asc" } }),
      replays: await db.replay.findMany({ ...where, orderBy: { id: "asc" } }),
    };
  };
  let before: Awaited<ReturnType<typeof snapshotOfA>>;

  beforeAll(async () => {
    const app = await startTestApp();
    const a = await app.newAccount("A");
    const b = await app.newAccount("B");
    // Answers any handshake: A rotates its secret along the way and must still pass.
    receiver = await startReceiver((req, res) => void res.writeHead(200).end(req.url.searchParams.get("hub.challenge") ?? "ok"));
    app.onClose(() => receiver.close());
    const webhook = await app.call("POST", "/v1/webhooks", { key: a.apiKey, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
    expect(webhook.status).toBe(201);
    expect((await app.call("POST", "/v1/event-types", { key: a.apiKey, body: { name: "invoice.sent", description: "A's own" } })).status).toBe(201);
    expect((await app.call("POST", "/v1/events", { key: a.apiKey, body: { type: "message.created", data: { of: "A" } } })).status).toBe(202);
    // No worker here: settle A's delivery by hand, so that A could redeliver it.
    await app.container.db.delivery.updateMany({ data: { status: "failed", nextAttemptAt: null } });
    const delivery = await app.container.db.delivery.findFirstOrThrow({ where: { accountId: a.accountId, isTest: false } });
    // A test event leaves an attempt of A's in the log.
    expect((await app.call("POST", `/v1/webhooks/${webhook.body.id}/test`, { key: a.apiKey, body: {} })).status).toBe(200);
    const attempt = await app.container.db.deliveryAttempt.findFirstOrThrow({ where: { accountId: a.accountId } });
    const link = await app.call("POST", "/v1/portal/sessions", { key: a.apiKey, body: {} });
    // A replay of A's, left running (no worker here runs it).
    const replay = await app.call("POST", `/v1/webhooks/${webhook.body.id}/replay`, { key: a.apiKey, body: SAMPLE_BODIES.StartReplay });
    expect(replay.status).toBe(202);
    // Two spare keys of A's, for the key routes to rotate and revoke (A's own key must keep working).
    const spareKeys = [];
    for (const name of ["spare", "spare for the admin"]) spareKeys.push((await app.call("POST", "/v1/api-keys", { key: a.apiKey, body: { name } })).body.id as string);
    world = {
      app,
      a,
      b,
      idsOfA: { webhooks: webhook.body.id, deliveries: delivery.id, accounts: a.accountId, events: delivery.eventId, attempts: attempt.id, portal: link.body.id, "api-keys": spareKeys[0]!, "account-api-keys": spareKeys[1]!, replays: replay.body.id },
      portalOfA: await portalSession(app, a.apiKey),
    };
    doc = (await app.call("GET", "/openapi.json")).body;
    routeOf = (op) => app.container.routes.find((r) => r.method === op.method && r.path.replace(/:(\w+)/g, "{$1}") === op.path)!;
    // A's keys of one scope each, before the snapshot: the walks below use them.
    for (const scope of SCOPES) await keyOf(a.accountId, scope);
    before = await snapshotOfA();
  });
  afterAll(() => world.app.close());

  // One key per account and scope, made on first use.
  const scopedKeys = new Map<string, Promise<string>>();
  const keyOf = (accountId: string, scope: Scope): Promise<string> => {
    const name = `${accountId} ${scope}`;
    if (!scopedKeys.has(name)) scopedKeys.set(name, keyWithScopes(world.app, accountId, [scope]));
    return scopedKeys.get(name)!;
  };
  /** The path of `op` on A's resource, or on an id nobody has. */
  const pathOn = (op: Operation, whose: "A" | "nobody"): string => {
    return fillPath(op.path, Object.fromEntries(op.pathParams.map((p) => [p.name, whose === "A" ? idOfA(world.idsOfA, op, p.name)! : "nope"])));
  };

  const callAsB = (op: Operation): Promise<TestResponse> => {
    const resource = op.path.split("/")[2]!;
    const ids: Record<string, string> = {};
    for (const p of op.pathParams) {
      const id = idOfA(world.idsOfA, op, p.name);
      if (!id) throw new Error(`${op.label}: teach this test which of A's resources /${resource}/{id} names (idsOfA)`);
      ids[p.name] = id;
    }
    const path = fillPath(op.path, ids);
    return world.app.call(op.method.toUpperCase(), path, { key: world.b.apiKey, body: bodyFor(doc, op) });
  };

  it("walks every operation the document lists", () => {
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const unchecked = ops.filter((op) => op.secured && op.pathParams.length === 0 && !COLLECTIONS[op.label]).map((op) => op.label);
    expect({ uncheckedCollectionRoutes: unchecked }).toEqual({ uncheckedCollectionRoutes: [] });
  });

  it("answers B 404 on every operation on one of A's resources, as if it did not exist", async () => {
    const answers: Record<string, unknown> = {};
    for (const op of operationsOf(doc).filter((o) => o.secured && o.pathParams.length > 0)) {
      const requestsBefore = receiver.requests.length;
      const res = await callAsB(op);
      // Admin routes are refused to any account key before ownership is even asked.
      const expected = routeOf(op).auth === "admin" ? 403 : 404;
      answers[op.label] = { status: res.status, code: res.body.error?.code, sent: receiver.requests.length - requestsBefore };
      expect(answers[op.label]).toEqual({ status: expected, code: expected === 404 ? "not_found" : "forbidden", sent: 0 });
    }
    expect(Object.keys(answers).length).toBeGreaterThanOrEqual(10);
  });

  it("answers B's key with exactly the scope an operation needs 404 too: the scope is no way into A's data", async () => {
    const ops = operationsOf(doc).filter((o) => o.requiredScope && o.pathParams.length > 0);
    for (const op of ops) {
      const requestsBefore = receiver.requests.length;
      const key = await keyOf(world.b.accountId, op.requiredScope as Scope);
      const res = await world.app.call(op.method.toUpperCase(), pathOn(op, "A"), { key, body: bodyFor(doc, op) });
      const seen = { op: op.label, status: res.status, code: res.body.error?.code, sent: receiver.requests.length - requestsBefore };
      expect(seen).toEqual({ op: op.label, status: 404, code: "not_found", sent: 0 });
    }
    expect(ops.length).toBeGreaterThanOrEqual(10);
  });

  it("refuses a key without the scope alike whether A's resource exists or not, telling B nothing", async () => {
    const ops = operationsOf(doc).filter((o) => o.requiredScope && o.pathParams.length > 0);
    for (const op of ops) {
      const wrong = SCOPES.find((s) => !allows([s], op.requiredScope as Scope))!;
      const answers = [];
      for (const [accountId, whose] of [[world.b.accountId, "A"], [world.b.accountId, "nobody"], [world.a.accountId, "A"]] as const) {
        const res = await world.app.call(op.method.toUpperCase(), pathOn(op, whose), { key: await keyOf(accountId, wrong), body: bodyFor(doc, op) });
        answers.push({ status: res.status, body: res.body });
      }
      const refusal = { status: 403, body: { error: { code: "insufficient_scope", message: `this API key lacks the scope ${op.requiredScope}`, details: { requiredScope: op.requiredScope } } } };
      expect({ op: op.label, answers }).toEqual({ op: op.label, answers: [refusal, refusal, refusal] });
    }
  });

  it("answers B's portal session 404 on every portal operation on one of A's resources, and 403 on the rest", async () => {
    const sessionOfB = await portalSession(world.app, world.b.apiKey);
    const answers: Record<string, unknown> = {};
    for (const op of operationsOf(doc).filter((o) => o.secured && o.pathParams.length > 0)) {
      const path = fillPath(op.path, Object.fromEntries(op.pathParams.map((p) => [p.name, idOfA(world.idsOfA, op, p.name)!])));
      const res = await world.app.call(op.method.toUpperCase(), path, { key: sessionOfB, body: bodyFor(doc, op) });
      const expected = routeOf(op).portal ? 404 : 403;
      answers[op.label] = { status: res.status };
      expect({ op: op.label, status: res.status }).toEqual({ op: op.label, status: expected });
    }
    expect(Object.keys(answers).length).toBeGreaterThanOrEqual(10);
  });

  it.each(Object.keys(COLLECTIONS))("keeps A's data out of %s for B", async (label) => {
    await COLLECTIONS[label]!(world);
  });

  it("leaves everything of A's exactly as it was after B's calls", async () => {
    expect(await snapshotOfA()).toEqual(before);
  });

  it("still lets A use every one of those operations on the same ids, each with a key of only the scope it names", async () => {
    const ops = operationsOf(doc).filter((o) => o.secured && o.pathParams.length > 0);
    // Deleting and revoking go last: the other operations need the webhook, and rotating needs a live key.
    const last = (o: Operation) => o.method === "delete" || o.path.endsWith("/revoke");
    for (const op of [...ops.filter((o) => !last(o)), ...ops.filter(last)]) {
      const key = routeOf(op).auth === "admin" ? world.app.adminKey : await keyOf(world.a.accountId, op.requiredScope as Scope);
      const path = fillPath(op.path, Object.fromEntries(op.pathParams.map((p) => [p.name, idOfA(world.idsOfA, op, p.name)!])));
      const body = op.label === "PATCH /v1/webhooks/{id}" ? { description: "A's own change" } : bodyFor(doc, op);
      const res = await world.app.call(op.method.toUpperCase(), path, { key, body });
      expect({ op: op.label, status: res.status < 300 ? "2xx" : res.status }).toEqual({ op: op.label, status: "2xx" });
    }
  });
});

describe("authentication and key kinds", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it.each([
    ["no header", {}],
    ["a non-bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an unknown key", { authorization: "Bearer hr_AAAAAAAAAAAA_" + "A".repeat(43) }],
    ["garbage", { authorization: "Bearer nope" }],
  ])("answers 401 to %s", async (_label, headers) => {
    const res = await app.call("GET", "/v1/webhooks", { headers: headers as Record<string, string> });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("refuses a revoked key", async () => {
    const acct = await app.newAccount();
    await app.container.db.apiKey.updateMany({ where: { accountId: acct.accountId }, data: { revokedAt: new Date() } });
    expect((await app.call("GET", "/v1/webhooks", { key: acct.apiKey })).status).toBe(401);
  });

  it("keeps admin routes for the admin key", async () => {
    const acct = await app.newAccount();
    const res = await app.call("POST", "/v1/accounts", { key: acct.apiKey, body: { name: "sneaky" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
    const keys = await app.call("POST", `/v1/accounts/${acct.accountId}/api-keys`, { key: acct.apiKey, body: {} });
    expect(keys.status).toBe(403);
  });

  it("refuses the admin key on account routes, which need one account's key", async () => {
    const res = await app.call("GET", "/v1/webhooks", { key: app.adminKey });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/account's API key/);
  });

  it("lets the admin issue more keys for an account, each working on its own", async () => {
    const acct = await app.newAccount();
    const res = await app.call("POST", `/v1/accounts/${acct.accountId}/api-keys`, { key: app.adminKey, body: { name: "ci" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "ci", apiKey: expect.stringMatching(/^hr_/) });
    expect((await app.call("GET", "/v1/webhooks", { key: res.body.apiKey })).status).toBe(200);
    const missing = await app.call("POST", "/v1/accounts/acc_nope/api-keys", { key: app.adminKey, body: {} });
    expect(missing.status).toBe(404);
  });

  it("stores API keys only as hashes", async () => {
    const acct = await app.newAccount();
    const rows = await app.container.db.apiKey.findMany({ where: { accountId: acct.accountId } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(acct.apiKey.slice(16));
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
