import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../../../src/config";
import { eventually, startTestApp, type TestApp } from "../../support/app";
import { startConnectProxy } from "../../support/connect-proxy";
import { createPki, type Issued, type Pki } from "../../support/pki";
import { startTlsReceiver, type TlsReceiver } from "../../support/tls-receiver";

const TOKEN = "private-ca-verify-token-01";

/**
 * Receivers whose certificate is issued by an internal CA, which Node's roots do not know:
 * hookrelay reaches them only once the operator names the CA in HOOKRELAY_EGRESS_CA_FILE, for
 * the handshake and deliveries alike, directly and through the egress proxy. Certificates
 * are made for the run with openssl (test/support/pki.ts).
 */
describe("receivers behind a private CA", () => {
  let pki: Pki;
  let ca: Issued;
  let receiver: TlsReceiver;

  beforeAll(async () => {
    pki = await createPki();
    ca = await pki.ca("Internal Receivers CA");
    receiver = await startTlsReceiver(await pki.server(ca), TOKEN);
  });
  afterAll(async () => {
    await receiver.close();
    await pki.remove();
  });

  /** Emits one event and answers its delivery once the first attempt is logged. */
  async function deliverOne(app: TestApp, key: string, webhookId: string) {
    const emitted = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { text: "hi" } } });
    expect(emitted.status).toBe(202);
    const settled = await eventually(
      () => app.container.db.delivery.findFirst({ where: { webhookId, OR: [{ status: "succeeded" }, { attemptCount: { gt: 0 }, lastError: { not: null } }] } }),
      "the first attempt",
    );
    return (await app.call("GET", `/v1/deliveries/${settled.id}`, { key })).body;
  }

  describe("with the CA in HOOKRELAY_EGRESS_CA_FILE", () => {
    let app: TestApp;
    let key: string;
    beforeAll(async () => {
      app = await startTestApp({ HOOKRELAY_EGRESS_CA_FILE: ca.certPath }, { worker: true });
      key = (await app.newAccount()).apiKey;
    });
    afterAll(() => app.close());

    it("verifies the receiver and delivers to it", async () => {
      const created = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
      expect(created.status).toBe(201);
      const delivery = await deliverOne(app, key, created.body.id);
      expect(delivery).toMatchObject({ status: "succeeded", attempts: [expect.objectContaining({ success: true, statusCode: 200 })] });
      expect(receiver.requests.filter((r) => r.method === "POST")).not.toHaveLength(0);
    });
  });

  describe("without it", () => {
    let app: TestApp;
    let key: string;
    beforeAll(async () => {
      app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
      key = (await app.newAccount()).apiKey;
    });
    afterAll(() => app.close());

    it("fails the handshake with a 422 naming the certificate problem", async () => {
      const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "handshake_failed", details: { reason: "unreachable", error: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" } });
    });

    it("logs a delivery attempt with the TLS error class, and the worker carries on", async () => {
      // oneroute has no handshake, so the webhook can exist although its receiver is unreachable.
      const created = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, dialect: "oneroute", eventTypes: ["message.created"] } });
      expect(created.status).toBe(201);
      const delivery = await deliverOne(app, key, created.body.id);
      expect(delivery).toMatchObject({
        attempts: [expect.objectContaining({ success: false, statusCode: null, error: expect.objectContaining({ class: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }) })],
      });
      expect((await app.call("GET", "/health/live")).status).toBeLessThan(500);
    });
  });

  it("presents the same trust to the receiver through the egress proxy's tunnel", async () => {
    const proxy = await startConnectProxy();
    const app = await startTestApp({ HOOKRELAY_EGRESS_CA_FILE: ca.certPath, HOOKRELAY_EGRESS_PROXY: proxy.url }, { worker: true });
    try {
      const { apiKey: key } = await app.newAccount();
      const created = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
      expect(created.status).toBe(201);
      const delivery = await deliverOne(app, key, created.body.id);
      expect(delivery).toMatchObject({ status: "succeeded" });
      expect(proxy.connects.map((c) => c.target)).toContain(`127.0.0.1:${receiver.port}`);
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  describe("HOOKRELAY_EGRESS_CA_FILE at start-up", () => {
    const base = { DATABASE_URL: "postgres://localhost/x", REDIS_URL: "redis://localhost", HOOKRELAY_ADMIN_KEY: "hr_admin_test_0123456789abcdefghij", HOOKRELAY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}` };

    it("refuses a missing file, naming it", () => {
      const missing = join(pki.dir, "nope.pem");
      expect(() => loadConfig({ ...base, HOOKRELAY_EGRESS_CA_FILE: missing })).toThrow(`HOOKRELAY_EGRESS_CA_FILE: cannot read ${missing}`);
    });

    it("refuses a file without a certificate, naming it", async () => {
      const garbage = join(pki.dir, "garbage.pem");
      await writeFile(garbage, "not a certificate\n");
      expect(() => loadConfig({ ...base, HOOKRELAY_EGRESS_CA_FILE: garbage })).toThrow(`HOOKRELAY_EGRESS_CA_FILE: ${garbage} holds no PEM certificate`);
    });

    it("refuses a damaged certificate, naming the file", async () => {
      const damaged = join(pki.dir, "damaged.pem");
      const lines = ca.cert.trim().split("\n");
      lines[3] = "A".repeat(lines[3]!.length);
      await writeFile(damaged, `${lines.join("\n")}\n`);
      expect(() => loadConfig({ ...base, HOOKRELAY_EGRESS_CA_FILE: damaged })).toThrow(`HOOKRELAY_EGRESS_CA_FILE: ${damaged}: certificate 1 is not valid`);
    });

    it("reads a bundle of several certificates", async () => {
      const other = await pki.ca("Second CA");
      const bundle = join(pki.dir, "bundle.pem");
      await writeFile(bundle, `${ca.cert}\n${other.cert}`);
      expect(loadConfig({ ...base, HOOKRELAY_EGRESS_CA_FILE: bundle }).egressCaCertificates).toHaveLength(2);
    });
  });
});
