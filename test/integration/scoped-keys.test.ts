import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCOPE_DESCRIPTIONS, SCOPES } from "../../src/access/scopes";
import type { AnyRoute } from "../../src/http/route";
import { startTestApp, type TestApp, type TestResponse } from "../support/app";
import { fillPath, operationsOf, type OpenApiDocument, type Operation } from "../support/openapi-walk";
import { keyWithScopes } from "../support/scoped-keys";

/**
 * Walks every operation of the OpenAPI document with a key of every single scope, so a route
 * added tomorrow is checked tomorrow: each operation must name the scope it needs, let in the
 * keys that have it and refuse every other key with 403 `insufficient_scope` naming it. Dummy
 * ids and empty bodies are enough: the scope is checked before anything is read, so an allowed
 * key gets past it (to a 400 or 404 here) and a refused one never does.
 */

/**
 * Which scopes let a key call an operation that needs `needed`, written out rather than taken
 * from allows(), so that a change to the policy has to change this test too.
 */
function expectedAllowed(key: readonly string[], needed: string): boolean {
  return key.includes("*") || key.includes(needed) || (needed === "webhooks:read" && key.includes("webhooks:write"));
}

type Outcome = "allowed" | `refused: ${string}`;

/** README's "Scoped keys" table: each scope's row lists, in backticks, the operations that name it. */
function readmeScopeRows(): Record<string, string[]> {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
  const section = /^### Scoped keys\n([\s\S]*?)^#{2,3} /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "### Scoped keys" section');
  const rows: Record<string, string[]> = {};
  for (const line of section.split("\n").filter((l) => l.startsWith("| `"))) {
    const [scope, , ops] = line.split(" | ").map((cell) => cell.replace(/^\| /, "").replace(/ \|$/, ""));
    rows[scope!.replace(/`/g, "")] = [...ops!.matchAll(/`([A-Z]+ [^`]+)`/g)].map((m) => m[1]!).sort();
  }
  return rows;
}

describe("scoped keys, walked from the OpenAPI document", () => {
  let app: TestApp;
  let account: { accountId: string; apiKey: string };
  let doc: OpenApiDocument;
  let scopedOps: Operation[];
  let routeOf: (op: Operation) => AnyRoute;

  beforeAll(async () => {
    app = await startTestApp();
    account = await app.newAccount("scoped");
    doc = (await app.call("GET", "/openapi.json")).body;
    scopedOps = operationsOf(doc).filter((op) => op.requiredScope !== undefined);
    routeOf = (op) => app.container.routes.find((r) => r.method === op.method && r.path.replace(/:(\w+)/g, "{$1}") === op.path)!;
  });
  afterAll(() => app.close());

  /** The operation with ids that exist nowhere and an empty body: enough to reach, or not pass, the scope check. */
  const callWith = (op: Operation, key: string): Promise<TestResponse> => {
    const path = fillPath(op.path, Object.fromEntries(op.pathParams.map((p) => [p.name, "nope"])));
    return app.call(op.method.toUpperCase(), path, { key, body: op.body ? {} : undefined });
  };

  /** What each scoped operation did with `key`; a refusal is checked to be the one scope refusal. */
  async function walk(key: string): Promise<Record<string, Outcome>> {
    const outcomes: Record<string, Outcome> = {};
    for (const op of scopedOps) {
      const res = await callWith(op, key);
      if (res.body?.error?.code !== "insufficient_scope") {
        expect({ op: op.label, status: res.status }).not.toEqual({ op: op.label, status: 401 });
        outcomes[op.label] = "allowed";
        continue;
      }
      expect({ op: op.label, status: res.status, error: res.body.error }).toEqual({
        op: op.label,
        status: 403,
        error: { code: "insufficient_scope", message: `this API key lacks the scope ${op.requiredScope}`, details: { requiredScope: op.requiredScope } },
      });
      outcomes[op.label] = `refused: ${op.requiredScope}`;
    }
    return outcomes;
  }

  const expectedFor = (key: readonly string[]): Record<string, Outcome> =>
    Object.fromEntries(scopedOps.map((op) => [op.label, expectedAllowed(key, op.requiredScope!) ? "allowed" : (`refused: ${op.requiredScope}` as Outcome)]));

  it("names its scope on every operation an account key can call, and on no other", () => {
    const seen = operationsOf(doc).map((op) => {
      const route = routeOf(op);
      const raw = doc.paths[op.path][op.method];
      return {
        op: op.label,
        scope: op.requiredScope,
        security: raw.security,
        sentence: op.requiredScope ? raw.description?.includes(`Account keys need the scope \`${op.requiredScope}\``) : undefined,
        refusal: op.requiredScope ? op.statuses.includes(403) : undefined,
        declared: route.scope,
      };
    });
    const wanted = operationsOf(doc).map((op) => {
      const route = routeOf(op);
      const scoped = route.auth === "account" || route.auth === "account-or-admin";
      return {
        op: op.label,
        scope: scoped ? route.scope : undefined,
        security: route.auth === "public" ? [] : [{ bearerAuth: scoped ? [route.scope] : [] }],
        sentence: scoped ? true : undefined,
        refusal: scoped ? true : undefined,
        declared: scoped ? expect.stringMatching(/./) : undefined,
      };
    });
    expect(seen).toEqual(wanted);
    expect(scopedOps.length).toBeGreaterThanOrEqual(20);
    for (const op of scopedOps) expect(SCOPES).toContain(op.requiredScope);
  });

  it.each(SCOPES.map((s) => [s]))("lets a key with only %s call exactly its operations and refuses it the rest with 403 naming the scope", async (scope) => {
    const key = await keyWithScopes(app, account.accountId, [scope]);
    const outcomes = await walk(key);
    expect(outcomes).toEqual(expectedFor([scope]));
    const allowed = Object.values(outcomes).filter((o) => o === "allowed").length;
    // `*` may do everything; every other scope is for some operations, never all of them.
    if (scope === "*") expect(allowed).toBe(scopedOps.length);
    else expect(allowed).toBeLessThan(scopedOps.length);
  });

  it("lets a key with several scopes call what any of them allows", async () => {
    const scopes = ["events:write", "webhooks:read"];
    expect(await walk(await keyWithScopes(app, account.accountId, scopes))).toEqual(expectedFor(scopes));
  });

  it("refuses a key with no scopes, or only unknown ones, everything", async () => {
    for (const scopes of [[], ["webhooks:*", "admin"]]) {
      const outcomes = await walk(await keyWithScopes(app, account.accountId, scopes));
      expect(Object.values(outcomes).filter((o) => o === "allowed")).toEqual([]);
    }
  });

  it("does not scope the admin key on the operations it shares with account keys", async () => {
    const shared = scopedOps.filter((op) => routeOf(op).auth === "account-or-admin");
    expect(shared.length).toBeGreaterThanOrEqual(2);
    for (const op of shared) {
      const res = await callWith(op, app.adminKey);
      expect({ op: op.label, code: res.body?.error?.code }).not.toEqual({ op: op.label, code: "insufficient_scope" });
    }
  });

  it("is documented in README's table, scope by scope, exactly as the document says", () => {
    const byScope: Record<string, string[]> = Object.fromEntries(SCOPES.map((scope) => [scope, [] as string[]]));
    for (const op of scopedOps) byScope[op.requiredScope!]!.push(`${op.method.toUpperCase()} ${op.path.replace(/\{(\w+)\}/g, ":$1")}`);
    for (const ops of Object.values(byScope)) ops.sort();
    const table = SCOPES.map((scope) => `| \`${scope}\` | ${SCOPE_DESCRIPTIONS[scope]} | ${byScope[scope]!.map((op) => `\`${op}\``).join(", ")} |`).join("\n");
    const rows = readmeScopeRows();
    // On a mismatch the message carries the rows to paste into README.md.
    if (JSON.stringify(rows) !== JSON.stringify(byScope)) throw new Error(`README.md's "Scoped keys" table is not what the document says; its rows should read:\n${table}`);
    expect(rows).toEqual(byScope);
  });

  it("holds a key created through the API with scopes to them, and a scoped key cannot make itself a broader one", async () => {
    const made = await app.call("POST", "/v1/api-keys", { key: account.apiKey, body: { name: "emitter", scopes: ["events:write"] } });
    expect({ status: made.status, scopes: made.body.scopes }).toEqual({ status: 201, scopes: ["events:write"] });
    const emitter = made.body.apiKey as string;
    expect((await app.call("POST", "/v1/events", { key: emitter, body: { type: "message.created", data: {} } })).status).toBe(202);
    expect((await app.call("GET", "/v1/webhooks", { key: emitter })).body.error.code).toBe("insufficient_scope");
    const broader = await app.call("POST", "/v1/api-keys", { key: emitter, body: { name: "escalate", scopes: ["*"] } });
    expect({ status: broader.status, code: broader.body.error.code, requiredScope: broader.body.error.details.requiredScope }).toEqual({
      status: 403,
      code: "insufficient_scope",
      requiredScope: "*",
    });
    const unknown = await app.call("POST", "/v1/api-keys", { key: account.apiKey, body: { name: "typo", scopes: ["webhook:write"] } });
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({ status: 400, code: "validation_failed" });
  });

  it("lets an emit-only key emit for real, and nothing else of the account's", async () => {
    const key = await keyWithScopes(app, account.accountId, ["events:write"]);
    expect((await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } })).status).toBe(202);
    const list = await app.call("GET", "/v1/events", { key });
    expect({ status: list.status, code: list.body.error.code }).toEqual({ status: 403, code: "insufficient_scope" });
    expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(403);
  });

  it("does not scope portal sessions: a portal:sessions key opens a portal that works as its access says", async () => {
    const key = await keyWithScopes(app, account.accountId, ["portal:sessions"]);
    expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(403);
    const link = await app.call("POST", "/v1/portal/sessions", { key, body: { access: "read" } });
    expect(link.status).toBe(201);
    const token = new URL(link.body.url).hash.replace("#token=", "");
    const session = (await app.call("POST", "/v1/portal/session/exchange", { body: { token } })).body.sessionToken;
    expect((await app.call("GET", "/v1/webhooks", { key: session })).status).toBe(200);
    const change = await app.call("POST", "/v1/webhooks", { key: session, body: { url: "http://127.0.0.1:1/h", verifyToken: "scoped-token-0001", eventTypes: ["message.created"] } });
    expect(change.body.error.code).toBe("read_only_session");
  });
});
