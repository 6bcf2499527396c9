import { Client } from "pg";
import { createSecretBox, sealedKeyId } from "../../../src/lib/secret-box";
import { reencryptSecrets } from "../../../src/webhooks/reencrypt-secrets";
import { eventually, startTestApp, type TestApp } from "../../support/app";
import { startConnectProxy } from "../../support/connect-proxy";
import { createPki, type Issued, type Pki } from "../../support/pki";
import { startTlsReceiver, type TlsReceiver } from "../../support/tls-receiver";

const TOKEN = "mutual-tls-verify-token-01";
const K1 = { id: "k1", key: Buffer.alloc(32, 7) }; // the test config's key
const K2 = { id: "k2", key: Buffer.alloc(32, 9) };

/**
 * Receivers that demand a client certificate (mutual TLS): a webhook presents the one it was
 * registered with, for the handshake, deliveries and test events; the key is checked on the
 * way in, sealed at rest and never shown again. Certificates are made for the run with openssl.
 */
describe("webhooks with a client certificate", () => {
  let pki: Pki;
  let serverCa: Issued;
  let clientCa: Issued;
  let client: Issued;
  let rotatedClient: Issued;
  let strangerClient: Issued;
  let expiredClient: Issued;
  let receiver: TlsReceiver;
  let app: TestApp;
  let key: string;
  let pg: Client;
  /** Every answer the API gave in this file, to look for the keys in. */
  const answers: unknown[] = [];

  beforeAll(async () => {
    pki = await createPki();
    serverCa = await pki.ca("Receivers CA");
    clientCa = await pki.ca("Partner Clients CA");
    const otherCa = await pki.ca("Somebody Else CA");
    client = await pki.client(clientCa, "hookrelay-client");
    rotatedClient = await pki.client(clientCa, "hookrelay-client-2");
    strangerClient = await pki.client(otherCa, "stranger");
    expiredClient = await pki.client(clientCa, "expired", { days: -1 });
    receiver = await startTlsReceiver(await pki.server(serverCa), TOKEN, { clientCa });
    app = await startTestApp({ HOOKRELAY_EGRESS_CA_FILE: serverCa.certPath, HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    key = (await app.newAccount()).apiKey;
    pg = new Client({ connectionString: app.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await app.close();
    await receiver.close();
    await pki.remove();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.call(method, path, { key, ...(body === undefined ? {} : { body }) });
    answers.push(res.body);
    return res;
  };
  const register = (extra: Record<string, unknown>) => call("POST", "/v1/webhooks", { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"], ...extra });
  const withCert = (c: Issued) => ({ clientCertificate: c.cert, clientKey: c.key });

  /** Emits one event; answers the client CN the receiver saw for it and the delivery. */
  async function deliverOne(webhookId: string) {
    const before = receiver.requests.length;
    const emitted = await call("POST", "/v1/events", { type: "message.created", data: { n: before } });
    expect(emitted.status).toBe(202);
    const eventId = emitted.body.id as string;
    const settled = await eventually(
      () => app.container.db.delivery.findFirst({ where: { webhookId, eventId, OR: [{ status: "succeeded" }, { attemptCount: { gt: 0 }, lastError: { not: null } }] } }),
      "the attempt",
    );
    const posted = receiver.requests.slice(before).filter((r) => r.method === "POST");
    return { delivery: (await call("GET", `/v1/deliveries/${settled.id}`)).body, cns: posted.map((r) => r.clientCn) };
  }

  let webhookId: string;

  it("registers a webhook whose handshake presents its certificate, and shows the certificate but not the key", async () => {
    const before = receiver.requests.length;
    const res = await register(withCert(client));
    expect(res.status).toBe(201);
    webhookId = res.body.id;
    expect(res.body.clientCertificate).toEqual({
      subject: "CN=hookrelay-client, O=hookrelay tests",
      issuer: "CN=Partner Clients CA",
      notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    });
    expect(receiver.requests.slice(before)).toEqual([expect.objectContaining({ method: "GET", clientCn: "hookrelay-client" })]);
  });

  it("delivers presenting the certificate", async () => {
    const { delivery, cns } = await deliverOne(webhookId);
    expect(delivery).toMatchObject({ status: "succeeded" });
    expect(cns).toEqual(["hookrelay-client"]);
  });

  it("presents it for test events, signature checks and the verify handshake too", async () => {
    const tested = await call("POST", `/v1/webhooks/${webhookId}/test`);
    expect(tested.body).toMatchObject({ success: true, statusCode: 200 });
    const checked = await call("POST", `/v1/webhooks/${webhookId}/check-signature`);
    // This receiver accepts every POST: what matters here is that both probes got through.
    expect(checked.body).toMatchObject({ good: { statusCode: 200 }, bad: { statusCode: 200 } });
    const verified = await call("POST", `/v1/webhooks/${webhookId}/verify`);
    expect(verified.status).toBe(200);
    expect(receiver.requests.slice(-4).map((r) => [r.method, r.clientCn])).toEqual([
      ["POST", "hookrelay-client"],
      ["POST", "hookrelay-client"],
      ["POST", "hookrelay-client"],
      ["GET", "hookrelay-client"],
    ]);
  });

  it("refuses to register without a certificate, or with one from another CA: the receiver refuses the handshake", async () => {
    const before = receiver.requests.length;
    const without = await register({});
    expect(without.status).toBe(422);
    expect(without.body.error).toMatchObject({ code: "handshake_failed", details: { reason: "unreachable" } });
    const stranger = await register(withCert(strangerClient));
    expect(stranger.status).toBe(422);
    expect(stranger.body.error).toMatchObject({ code: "handshake_failed", details: { reason: "unreachable" } });
    expect(receiver.requests.length).toBe(before);
    expect(receiver.tlsErrors.length).toBeGreaterThanOrEqual(2);
  });

  it("keeps the certificate when an update to another CA's fails the handshake", async () => {
    const res = await call("PATCH", `/v1/webhooks/${webhookId}`, withCert(strangerClient));
    expect(res.status).toBe(422);
    expect((await call("GET", `/v1/webhooks/${webhookId}`)).body.clientCertificate.subject).toContain("CN=hookrelay-client,");
  });

  it("presents a rotated certificate from the next delivery on", async () => {
    const res = await call("PATCH", `/v1/webhooks/${webhookId}`, withCert(rotatedClient));
    expect(res.status).toBe(200);
    expect(res.body.clientCertificate.subject).toContain("CN=hookrelay-client-2,");
    expect(receiver.requests.at(-1)).toMatchObject({ method: "GET", clientCn: "hookrelay-client-2" });
    const { cns } = await deliverOne(webhookId);
    expect(cns).toEqual(["hookrelay-client-2"]);
  });

  it.each([
    ["a key that is not the certificate's", () => ({ clientCertificate: client.cert, clientKey: rotatedClient.key }), "body.clientKey", "does not match the certificate"],
    ["an expired certificate", () => withCert(expiredClient), "body.clientCertificate", "expired on"],
    ["garbage instead of a certificate", () => ({ clientCertificate: "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----", clientKey: client.key }), "body.clientCertificate", "is not a valid PEM certificate"],
    ["text that is no PEM at all", () => ({ clientCertificate: "hello", clientKey: client.key }), "body.clientCertificate", "must be a PEM certificate"],
    ["garbage instead of a key", () => ({ clientCertificate: client.cert, clientKey: "-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----" }), "body.clientKey", "is not a valid PEM private key"],
    ["a certificate without its key", () => ({ clientCertificate: client.cert }), "body.clientKey", "required with clientCertificate"],
    ["a key without its certificate", () => ({ clientKey: client.key }), "body.clientCertificate", "required with clientKey"],
    ["a certificate over the size limit", () => ({ clientCertificate: "x".repeat(40_000), clientKey: client.key }), "body.clientCertificate", ""],
  ])("answers %s with a 400 field error, on create and on update", async (_what, fields, field, message) => {
    const before = receiver.requests.length;
    for (const res of [await register(fields()), await call("PATCH", `/v1/webhooks/${webhookId}`, fields())]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "validation_failed", details: { issues: [expect.objectContaining({ field, message: expect.stringContaining(message) })] } });
    }
    expect(receiver.requests.length).toBe(before); // refused before any handshake
  });

  it("refuses a key with clientCertificate: null", async () => {
    const res = await call("PATCH", `/v1/webhooks/${webhookId}`, { clientCertificate: null, clientKey: client.key });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toEqual([expect.objectContaining({ field: "body.clientKey" })]);
  });

  it("stores the certificate as given and the key sealed, readable with the secret box only", async () => {
    const { rows } = await pg.query<{ client_certificate: string; client_key_cipher: string }>("SELECT client_certificate, client_key_cipher FROM webhooks WHERE id = $1", [webhookId]);
    expect(rows[0]!.client_certificate).toBe(rotatedClient.cert);
    expect(rows[0]!.client_key_cipher).toMatch(/^v1\.k1\./);
    expect(rows[0]!.client_key_cipher).not.toContain("PRIVATE KEY");
    expect(createSecretBox([K1]).open(rows[0]!.client_key_cipher)).toBe(rotatedClient.key);
  });

  it("never answers with a key, in anything it said", async () => {
    answers.push((await call("GET", "/v1/webhooks")).body, (await call("GET", `/v1/webhooks/${webhookId}`)).body);
    const said = JSON.stringify(answers);
    for (const c of [client, rotatedClient, strangerClient, expiredClient]) {
      const body = c.key.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
      expect(said).not.toContain(body.slice(0, 40));
    }
    expect(said).not.toContain("PRIVATE KEY");
  });

  it("removes certificate and key with clientCertificate: null; the receiver then refuses deliveries, logged as attempts", async () => {
    const res = await call("PATCH", `/v1/webhooks/${webhookId}`, { clientCertificate: null });
    expect(res.status).toBe(200);
    expect(res.body.clientCertificate).toBeNull();
    const { rows } = await pg.query("SELECT client_certificate, client_key_cipher FROM webhooks WHERE id = $1", [webhookId]);
    expect(rows[0]).toEqual({ client_certificate: null, client_key_cipher: null });
    const { delivery, cns } = await deliverOne(webhookId);
    expect(cns).toEqual([]);
    // Under TLS 1.3 the client's handshake is over before the server refuses the certificate,
    // so the refusal reaches us as the connection closing (or, in a race, as the alert itself).
    const refused = /^(UND_ERR_SOCKET|ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)$/;
    expect(delivery.attempts).toEqual([expect.objectContaining({ success: false, statusCode: null, error: expect.objectContaining({ class: expect.stringMatching(refused) }) })]);
  });

  it("presents the certificate through the egress proxy's tunnel too", async () => {
    const proxy = await startConnectProxy();
    const proxied = await startTestApp({ HOOKRELAY_EGRESS_CA_FILE: serverCa.certPath, HOOKRELAY_EGRESS_PROXY: proxy.url });
    try {
      const { apiKey } = await proxied.newAccount();
      const body = { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] };
      const before = receiver.requests.length;
      expect((await proxied.call("POST", "/v1/webhooks", { key: apiKey, body: { ...body, ...withCert(client) } })).status).toBe(201);
      expect(receiver.requests.slice(before)).toEqual([expect.objectContaining({ method: "GET", clientCn: "hookrelay-client" })]);
      expect((await proxied.call("POST", "/v1/webhooks", { key: apiKey, body })).status).toBe(422);
      expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${receiver.port}`, `127.0.0.1:${receiver.port}`]);
    } finally {
      await proxied.close();
      await proxy.close();
    }
  });

  // Last: it re-seals under a key the running app does not have.
  it("re-seals the key with `hookrelay secrets rotate`", async () => {
    const created = await register(withCert(client));
    expect(created.status).toBe(201);
    const result = await reencryptSecrets(app.container.sql, createSecretBox([K2, K1]), "k2");
    expect(result.unreadable).toEqual([]);
    const { rows } = await pg.query<{ client_key_cipher: string }>("SELECT client_key_cipher FROM webhooks WHERE id = $1", [created.body.id]);
    expect(sealedKeyId(rows[0]!.client_key_cipher)).toBe("k2");
    expect(createSecretBox([K2]).open(rows[0]!.client_key_cipher)).toBe(client.key);
  });
});
