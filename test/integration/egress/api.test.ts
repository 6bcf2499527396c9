import { isIP } from "node:net";
import { systemResolve, type ResolveHost } from "../../../src/egress/guarded-lookup";
import { eventually, startTestApp, type TestApp } from "../../support/app";
import { echoChallenge, startReceiver, type Receiver } from "../../support/receivers";

const TOKEN = "egress-verify-token-0001";
// Long enough that a retry on the test schedule (50 ms) would have arrived.
const QUIET_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `evil.test` points into a private network; everything else goes to the system resolver. */
const NAMES: Record<string, string[]> = { "evil.test": ["10.0.0.5"], "sneaky.test": ["127.0.0.1"] };
const resolveHost: ResolveHost = async (host, opts) => {
  const addresses = NAMES[host];
  return addresses ? addresses.map((address) => ({ address, family: isIP(address) })) : systemResolve(host, opts);
};

/**
 * The guard as every customer meets it: registration, handshake, deliveries and test events,
 * with the production default (no allowlist) and receivers on loopback that must never be hit.
 */
describe("webhooks pointing at internal networks, with the egress guard on as in production", () => {
  let app: TestApp;
  let key: string;
  let receiver: Receiver;
  let port: number;

  beforeAll(async () => {
    app = await startTestApp(
      { HOOKRELAY_EGRESS_ALLOW_CIDRS: "", HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" },
      { worker: true, resolveHost },
    );
    key = (await app.newAccount()).apiKey;
    receiver = await startReceiver(echoChallenge(TOKEN));
    app.onClose(() => receiver.close());
    port = Number(new URL(receiver.url).port);
  });
  afterAll(async () => {
    await app.close();
  });
  afterEach(() => {
    // Whatever a test did, nothing may have reached the loopback receiver.
    expect(receiver.requests).toEqual([]);
  });

  const register = (url: string, extra: Record<string, unknown> = {}) =>
    app.call("POST", "/v1/webhooks", { key, body: { url, verifyToken: TOKEN, eventTypes: ["message.created"], ...extra } });

  it.each([
    ["loopback", () => `http://127.0.0.1:${port}/hook`, "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["IPv4-mapped loopback", () => `http://[::ffff:7f00:1]:${port}/hook`, "::ffff:7f00:1 is a loopback address"],
    ["cloud metadata", () => "https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata service address"],
    ["private", () => "https://10.1.2.3/hook", "10.1.2.3 is a private-network address (10.0.0.0/8)"],
  ])("refuses to register an IP-literal URL in a refused range (%s) with a 400", async (_what, url, message) => {
    const res = await register(url());
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", message: expect.stringContaining(`body.url: must not point at an internal network: ${message}`) });
  });

  it("refuses a new URL that is an internal address on PATCH too", async () => {
    const created = await register("http://sneaky.test/hook", { dialect: "oneroute", verifyToken: undefined });
    expect(created.status).toBe(201);
    const res = await app.call("PATCH", `/v1/webhooks/${created.body.id}`, { key, body: { url: `http://[::1]:${port}/hook` } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("::1 is a loopback address");
  });

  it.each([
    ["localhost (the system resolver)", () => `http://localhost:${port}/hook`, /^(127\.0\.0\.1|::1)$/, "loopback"],
    ["a name resolving to a private address", () => "http://evil.test/hook", /^10\.0\.0\.5$/, "private"],
    ["a name resolving to loopback", () => `http://sneaky.test:${port}/hook`, /^127\.0\.0\.1$/, "loopback"],
  ])("fails the handshake of %s with a 422 that names the address", async (_what, url, address, kind) => {
    const res = await register(url());
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: "handshake_failed",
      message: expect.stringMatching(/^verification handshake failed: .* resolves to .*; hookrelay does not send to internal networks; register a URL whose host resolves only to public addresses$/),
      details: { reason: "destination_refused", error: "EGRESS_REFUSED", address: expect.stringMatching(address), addressKind: kind },
    });
  });

  it("gives up on a delivery to a refused destination after one attempt, without retrying it", async () => {
    // oneroute has no handshake, so a name that resolves internally can be registered.
    const created = await register(`http://sneaky.test:${port}/hook`, { dialect: "oneroute", verifyToken: undefined });
    expect(created.status).toBe(201);
    const webhookId = created.body.id as string;
    const emitted = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { text: "hi" } } });
    expect(emitted.status).toBe(202);

    const delivery = await eventually(
      () => app.container.db.delivery.findFirst({ where: { webhookId, status: { not: "pending" } } }),
      "the delivery to settle",
    );
    await sleep(QUIET_MS);
    const res = await app.call("GET", `/v1/deliveries/${delivery.id}`, { key });
    expect(res.body).toMatchObject({ status: "failed", attemptCount: 1, lastError: expect.stringMatching(/^EGRESS_REFUSED: sneaky\.test resolves to 127\.0\.0\.1, a loopback address .*; not retried$/) });
    expect(res.body.attempts).toEqual([
      expect.objectContaining({ success: false, statusCode: null, error: { class: "EGRESS_REFUSED", message: expect.stringContaining("sneaky.test resolves to 127.0.0.1") } }),
    ]);
  });

  it("answers a test event to a refused destination as failed, naming why", async () => {
    const created = await register("http://evil.test/hook", { dialect: "oneroute", verifyToken: undefined });
    expect(created.status).toBe(201);
    const res = await app.call("POST", `/v1/webhooks/${created.body.id}/test`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, statusCode: null, error: expect.stringMatching(/^EGRESS_REFUSED: evil\.test resolves to 10\.0\.0\.5, a private-network address/) });
  });
});
