import fc from "fast-check";
import { Agent, request } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { OwnershipCheck } from "../../src/dialects/handshake";
import { startTestApp, type TestApp } from "../support/app";
import { describeRequest, fuzzRequest, type FuzzRequest, type FuzzWorld } from "../support/fuzz-requests";
import { captureLogs, type CapturedLogs } from "../support/log-capture";
import { operationsOf, type OpenApiDocument } from "../support/openapi-walk";
import { startWebhookReceiver, type WebhookReceiver } from "../support/receivers";

/**
 * Thousands of generated, mostly hostile requests over every operation of the OpenAPI
 * document. Whatever arrives, the API answers a status the document promises for that
 * operation, never a 5xx, errors in the one format, without logging a bug or growing.
 *
 * HOOKRELAY_FUZZ_RUNS sets the number of requests, HOOKRELAY_FUZZ_SEED replays a failed run
 * (the seed is in the failure message).
 */
const RUNS = Number(process.env.HOOKRELAY_FUZZ_RUNS ?? 3_000);
const SEED = Number(process.env.HOOKRELAY_FUZZ_SEED ?? Date.now() % 2 ** 31);
const TOKEN = "fuzz-verify-token-00000001";

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Sends exactly these bytes: fetch would normalise the path and refuse some headers. */
function send(baseUrl: string, agent: Agent, req: FuzzRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body && !req.chunked) headers["content-length"] = req.body.length;
    const r = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    r.on("timeout", () => r.destroy(new Error("no answer within 15 s")));
    // The server may answer (413) and close before it has read the whole body.
    r.on("error", reject);
    if (req.body && req.chunked) {
      // Two chunks, so the server really reads a chunked body.
      const half = Math.floor(req.body.length / 2);
      r.write(req.body.subarray(0, half));
      r.end(req.body.subarray(half));
    } else {
      r.end(req.body);
    }
  });
}

/** The one error format: `{"error": {"code", "message", "details"?}}` and nothing else. */
function errorFormatProblem(answer: Answer): string | null {
  if (!answer.contentType.startsWith("application/json")) return `content-type ${answer.contentType}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString("utf8"));
  } catch {
    return "body is not JSON";
  }
  const error = (parsed as { error?: Record<string, unknown> }).error;
  if (!error || Object.keys(parsed as object).length !== 1) return "body is not {error: …}";
  if (typeof error.code !== "string" || typeof error.message !== "string") return "error.code or error.message is not a string";
  if (Object.keys(error).some((k) => !["code", "message", "details"].includes(k))) return "error has fields beyond code, message, details";
  if (/\n\s+at /.test(error.message)) return "error.message carries a stack trace";
  return null;
}

/** A forced full GC, so memory before and after compare what is kept, not what is garbage. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

describe("every operation of the OpenAPI document under generated hostile input", () => {
  let app: TestApp;
  let logs: CapturedLogs;
  let receiver: WebhookReceiver;
  let world: FuzzWorld;
  let webhook: (key: string) => Promise<string>;
  let signIn: () => Promise<string>;
  let newLink: () => Promise<string>;
  let spareKey: () => Promise<string>;
  /** The spare keys the fuzzer may revoke and rotate (its own key must keep working). */
  let spareIds: Set<string>;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    receiver = await startWebhookReceiver(TOKEN);
    // No handshake leaves the machine: only the local receiver's URLs are "owned".
    const verifyOwnership: OwnershipCheck = async ({ url }) =>
      url.startsWith(new URL(receiver.url).origin + "/")
        ? { verified: true, elapsedMs: 1 }
        : { verified: false, reason: "unreachable", message: "not the test receiver", elapsedMs: 1 };
    logs = captureLogs("warn");
    app = await startTestApp({ HOOKRELAY_MAX_REQUEST_BYTES: "65536", HOOKRELAY_MAX_BATCH_BYTES: "300000", LOG_LEVEL: "warn" }, { verifyOwnership, logger: logs.logger });
    const own = await app.newAccount("fuzz");
    const other = await app.newAccount("other");
    const revoked = await app.newAccount("revoked");
    await app.container.db.apiKey.updateMany({ where: { accountId: revoked.accountId }, data: { revokedAt: new Date() } });

    webhook = async (key: string) => {
      const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created", "chat.status_changed"] } });
      if (res.status !== 201) throw new Error(`webhook creation failed: ${res.status} ${logs.lines.join("").slice(0, 3000)}`);
      return res.body.id as string;
    };
    // The keeper is never deleted, so its deliveries and attempts stay there to be read and redelivered.
    const keeper = await webhook(own.apiKey);
    const otherWebhook = await webhook(other.apiKey);
    for (const key of [own.apiKey, other.apiKey]) {
      expect((await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } })).status).toBe(202);
    }
    // No worker runs here: settle the deliveries by hand, so that one of each account can be redelivered.
    await app.container.db.delivery.updateMany({ data: { status: "failed", nextAttemptAt: null } });
    for (let i = 0; i < 2; i++) expect((await app.call("POST", `/v1/webhooks/${keeper}/test`, { key: own.apiKey })).status).toBe(200);
    const deliveries = await app.container.db.delivery.findMany({ select: { id: true } });
    // A replay of each account's, left running (no worker here runs it): to read and cancel.
    const replays: string[] = [];
    for (const [key, id] of [[own.apiKey, keeper], [other.apiKey, otherWebhook]] as const) {
      const res = await app.call("POST", `/v1/webhooks/${id}/replay`, { key, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
      if (res.status !== 202) throw new Error(`replay failed: ${res.status} ${JSON.stringify(res.body)}`);
      replays.push(res.body.id as string);
    }
    const deletable = [await webhook(own.apiKey), await webhook(own.apiKey), await webhook(own.apiKey)];
    const cursors = [
      (await app.call("GET", "/v1/webhooks?limit=1", { key: own.apiKey })).body.nextCursor,
      (await app.call("GET", `/v1/webhooks/${keeper}/deliveries?limit=1`, { key: own.apiKey })).body.nextCursor,
    ];
    expect(cursors.every((c) => typeof c === "string")).toBe(true);

    const link = async () => {
      const res = await app.call("POST", "/v1/portal/sessions", { key: own.apiKey, body: {} });
      if (res.status !== 201) throw new Error(`portal session failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id as string, token: new URL(res.body.url).hash.replace("#token=", "") };
    };
    signIn = async () => (await app.call("POST", "/v1/portal/session/exchange", { body: { token: (await link()).token } })).body.sessionToken;
    newLink = async () => (await link()).token;
    const portalToken = await signIn();
    const linkTokens = await Promise.all([1, 2, 3, 4, 5].map(() => newLink()));
    const endable = await Promise.all([1, 2, 3].map(async () => (await link()).id));
    const events = (await app.call("GET", "/v1/events?limit=100", { key: own.apiKey })).body.data.map((e: { id: string }) => e.id);
    const attempts = (await app.container.db.deliveryAttempt.findMany({ select: { id: true } })).map((a) => a.id);
    expect(events.length > 0 && attempts.length > 0).toBe(true);

    // Keys to revoke and rotate: spares of the fuzzed account (its own key must keep working), one per route family.
    spareKey = async () => (await app.call("POST", `/v1/accounts/${own.accountId}/api-keys`, { key: app.adminKey, body: { name: "spare" } })).body.id as string;
    const spares = { own: await Promise.all([1, 2, 3, 4].map(spareKey)), admin: await Promise.all([1, 2, 3, 4].map(spareKey)) };
    spareIds = new Set([...spares.own, ...spares.admin]);
    const otherKey = (await app.call("GET", `/v1/accounts/${other.accountId}/api-keys`, { key: app.adminKey })).body.data[0].id as string;

    const doc: OpenApiDocument = (await app.call("GET", "/openapi.json")).body;
    const limits = new Map(app.container.routes.map((r) => [`${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`, r.maxBodyBytes ?? app.container.config.maxRequestBytes]));
    world = {
      doc,
      keys: { own: own.apiKey, other: other.apiKey, admin: app.adminKey, revoked: revoked.apiKey, portal: portalToken },
      ids: {
        webhooks: [keeper, ...deletable, otherWebhook, "wh_01M8000000000000000000000Z"],
        "webhooks:deletable": [...deletable, otherWebhook, "wh_01M8000000000000000000000Z"],
        deliveries: [...deliveries.map((d) => d.id), "dlv_01M8000000000000000000000Z"],
        // The own account twice: the admin's routes under it (its keys) are the ones with something to do.
        accounts: [own.accountId, own.accountId, other.accountId, "acc_01M8000000000000000000000Z"],
        events: [...events, "evt_01M8000000000000000000000Z"],
        attempts: [...attempts, "att_01M8000000000000000000000Z"],
        portal: [...endable, "ps_01M8000000000000000000000Z"],
        "api-keys": [...spares.own, otherKey, "key_01M8000000000000000000000Z"],
        keyId: [...spares.admin, otherKey, "key_01M8000000000000000000000Z"],
        replays: [...replays, "rpl_01M8000000000000000000000Z"],
      },
      linkTokens,
      receiverUrl: receiver.url,
      goodToken: TOKEN,
      cursors,
      bodyLimit: (op) => limits.get(`${op.method} ${op.path}`) ?? app.container.config.maxRequestBytes,
    };
  });
  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await receiver?.close();
  });

  it(`answers ${RUNS} generated requests with documented 4xx/2xx only (seed ${SEED})`, async () => {
    const ops = operationsOf(world.doc);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const seen = new Map<string, Set<number>>();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    collectGarbage();
    const before = process.memoryUsage();

    try {
      await fc.assert(
        fc.asyncProperty(fuzzRequest(world, ops), async (req) => {
          const logsBefore = logs.lines.length;
          let answer: Answer;
          try {
            answer = await send(app.baseUrl, agent, req);
          } catch (err) {
            throw new Error(`no answer (${(err as Error).message})\n${describeRequest(req)}`);
          }
          const problem =
            answer.status >= 500
              ? "a 5xx"
              : !req.op.statuses.includes(answer.status)
                ? `status ${answer.status} is not documented for ${req.op.label} (documented: ${req.op.statuses.join(", ")})`
                : answer.status >= 400
                  ? errorFormatProblem(answer)
                  : null;
          if (problem) {
            const logged = logs.lines.slice(logsBefore).join("").slice(0, 2_000);
            throw new Error(`${problem}\n${describeRequest(req, answer)}${logged ? `\nlogged: ${logged}` : ""}`);
          }
          // A deleted webhook is replaced, so later requests still reach webhooks that exist.
          if (req.op.label === "DELETE /v1/webhooks/{id}" && answer.status === 204) {
            const gone = world.ids["webhooks:deletable"]!.find((id) => req.path.startsWith(`/v1/webhooks/${id}`));
            if (gone) {
              const fresh = await webhook(world.keys.own);
              for (const pool of [world.ids.webhooks!, world.ids["webhooks:deletable"]!]) pool[pool.indexOf(gone)] = fresh;
            }
          }
          // A used link and an ended session are replaced too, so the portal routes stay reachable.
          if (req.op.label === "POST /v1/portal/session/exchange" && answer.status === 200) {
            const used = world.linkTokens.findIndex((t) => req.body?.includes(t));
            if (used >= 0) world.linkTokens[used] = await newLink();
          }
          if (req.op.label === "DELETE /v1/portal/session" && answer.status === 204) world.keys.portal = await signIn();
          // A revoked or rotated spare key cannot be revoked or rotated again: a fresh one takes its place.
          if (/^POST \/v1\/(accounts\/\{id\}\/)?api-keys\/\{(id|keyId)\}\/(revoke|rotate)$/.test(req.op.label) && answer.status < 300) {
            for (const pool of [world.ids["api-keys"]!, world.ids.keyId!]) {
              const used = pool.findIndex((id) => spareIds.has(id) && req.path.includes(`/${id}/`));
              if (used >= 0) {
                const fresh = await spareKey();
                spareIds.add(fresh);
                pool[used] = fresh;
              }
            }
          }
          const statuses = seen.get(req.op.label) ?? new Set<number>();
          seen.set(req.op.label, statuses.add(answer.status));
        }),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }

    collectGarbage();
    const after = process.memoryUsage();
    // Generous: the point is to catch a blow-up (a buffer kept per request, a runaway parse).
    expect((after.heapUsed - before.heapUsed) / 2 ** 20).toBeLessThan(64);
    expect((after.rss - before.rss) / 2 ** 20).toBeLessThan(512);
    expect(unhandled).toEqual([]);
    expect(logs.atLeast(50)).toEqual([]);
    expect((await app.call("GET", "/healthz")).status).toBe(200);
    // The run was worth something: every operation was called, and (in a run of the default
    // size) every one also accepted some request, i.e. the generator reached the services.
    expect([...seen.keys()].sort()).toEqual(ops.map((o) => o.label).sort());
    if (RUNS >= 2_000) {
      const neverAccepted = ops.map((o) => o.label).filter((op) => ![...seen.get(op)!].some((status) => status < 300));
      expect({ neverAccepted, seen: Object.fromEntries([...seen].map(([op, s]) => [op, [...s].sort()])) }).toMatchObject({ neverAccepted: [] });
    }
  }, 600_000);
});
