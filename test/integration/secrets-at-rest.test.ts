import { Client } from "pg";
import { runCli } from "../../src/cli/commands";
import { createSecretBox } from "../../src/lib/secret-box";
import { startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { expectedHubSignature, type WebhookReceiver } from "../support/receivers";
import { testConfig } from "../support/env";
import { buildContainer } from "../../src/container";
import { listen } from "../../src/http/server";
import type { AddressInfo } from "node:net";

/**
 * What is stored, read as raw rows with plain SQL (not through the app's own mapping): no
 * verify token, signing secret, previous secret, API key, admin key or signature appears in
 * any column of any table. And the rotation of the encryption key: `hookrelay secrets rotate`
 * re-seals everything under the new key, after which the old one can go.
 */
const K1 = `k1:${Buffer.alloc(32, 7).toString("base64")}`; // the test config's key
const K2 = `k2:${Buffer.alloc(32, 9).toString("base64")}`;
const K9 = `k9:${Buffer.alloc(32, 3).toString("base64")}`;
const keyring = (spec: string) => spec.split(",").map((p) => ({ id: p.split(":")[0]!, key: Buffer.from(p.split(":")[1]!, "base64") }));

describe("secrets at rest", () => {
  let app: TestApp;
  let pg: Client;
  const secrets: Record<string, string> = {};
  const receivers: WebhookReceiver[] = [];
  const webhookIds: Record<string, string> = {};

  async function cli(argv: string[], keys?: string) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DATABASE_URL: app.db.url, ...(keys ? { HOOKRELAY_ENCRYPTION_KEYS: keys } : {}) };
    const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
    return { code, out: out.map((l) => JSON.parse(l)), err: err.join("\n") };
  }

  /** Every sealed value in the webhooks table, by column. */
  async function sealedValues(): Promise<string[]> {
    const { rows } = await pg.query<{ v: string }>(
      "SELECT verify_token_cipher AS v FROM webhooks UNION ALL SELECT previous_secret_cipher FROM webhooks WHERE previous_secret_cipher IS NOT NULL",
    );
    return rows.map((r) => r.v);
  }

  beforeAll(async () => {
    app = await startTestApp();
    pg = new Client({ connectionString: app.db.url });
    await pg.connect();
    const { apiKey } = await app.newAccount();
    secrets.apiKey = apiKey;
    secrets.adminKey = app.adminKey;

    const meta = await aWebhook(app, apiKey, { token: "meta-verify-token-0000001" });
    secrets.metaToken = meta.secret;
    const standard = await aWebhook(app, apiKey, { dialect: "standard-webhooks", token: null });
    secrets.standardSecret = standard.secret;
    const telegram = await aWebhook(app, apiKey, { dialect: "telegram", token: null });
    secrets.telegramSecret = telegram.secret;
    receivers.push(meta.receiver, standard.receiver, telegram.receiver);
    webhookIds.meta = meta.id;

    // A rotation keeps the old secret for the grace period: that one is stored too.
    const rotated = await app.call("POST", `/v1/webhooks/${meta.id}/rotate-secret`, {
      key: apiKey,
      body: { secret: "meta-verify-token-0000002", graceSeconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    secrets.rotatedToken = "meta-verify-token-0000002";

    // Deliveries leave signatures and headers in the attempt log.
    for (const w of [meta, standard, telegram]) {
      const res = await app.call("POST", `/v1/webhooks/${w.id}/test`, { key: apiKey });
      expect(res.body).toMatchObject({ success: true });
    }
    const sent = receivers.flatMap((r) => r.deliveries);
    expect(sent).toHaveLength(3);
    secrets.hubSignature = String(sent[0]!.headers["x-hub-signature-256"]);
    secrets.webhookSignature = String(sent[1]!.headers["webhook-signature"]);
    expect(sent[2]!.headers["x-telegram-bot-api-secret-token"]).toBe(secrets.telegramSecret);
  });
  afterAll(async () => {
    await pg.end();
    await app.close();
  });

  it("stores none of them in clear, in any column of any table", async () => {
    const { rows: tables } = await pg.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["webhooks", "api_keys", "delivery_attempts", "deliveries", "events"]));
    const found: string[] = [];
    for (const { name } of tables) {
      for (const [what, secret] of Object.entries(secrets)) {
        // The whole row as text: every column, whatever its type.
        const { rows } = await pg.query(`SELECT 1 FROM "${name}" t WHERE position($1 in t::text) > 0 LIMIT 1`, [secret]);
        if (rows.length > 0) found.push(`${what} in ${name}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("seals each one with AES-256-GCM under the configured key, the previous secret included", async () => {
    const values = await sealedValues();
    expect(values).toHaveLength(4);
    const box = createSecretBox(keyring(K1));
    expect(values.every((v) => v.startsWith("v1.k1."))).toBe(true);
    expect(values.map((v) => box.open(v)).sort()).toEqual(
      [secrets.metaToken, secrets.rotatedToken, secrets.standardSecret, secrets.telegramSecret].sort(),
    );
  });

  it("keeps API keys as SHA-256 hashes only", async () => {
    const { rows } = await pg.query<{ key_hash: string }>("SELECT key_hash FROM api_keys");
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("masks the signature and secret headers in the attempt log it stores", async () => {
    const { rows } = await pg.query<{ request_headers: Record<string, string> }>("SELECT request_headers FROM delivery_attempts");
    expect(rows).toHaveLength(3);
    const secretHeaders = rows.flatMap((r) =>
      Object.entries(r.request_headers).filter(([name]) => /signature|secret-token/i.test(name)).map(([, value]) => value),
    );
    expect(secretHeaders.length).toBeGreaterThanOrEqual(3);
    expect(new Set(secretHeaders)).toEqual(new Set(["[masked]"]));
  });

  describe("hookrelay secrets rotate", () => {
    it("refuses to run without the keyring", async () => {
      const res = await cli(["secrets", "rotate"]);
      expect(res.code).toBe(1);
      expect(res.err).toContain("HOOKRELAY_ENCRYPTION_KEYS");
    });

    it("re-seals every secret under the new first key, once", async () => {
      const first = await cli(["secrets", "rotate"], `${K2},${K1}`);
      expect(first).toMatchObject({ code: 0, out: [{ keyId: "k2", webhooks: 3, reencrypted: 4 }] });
      const values = await sealedValues();
      expect(values.every((v) => v.startsWith("v1.k2."))).toBe(true);
      const again = await cli(["secrets", "rotate"], `${K2},${K1}`);
      expect(again).toMatchObject({ code: 0, out: [{ keyId: "k2", webhooks: 3, reencrypted: 0 }] });
    });

    it("leaves the API signing deliveries with the old key removed", async () => {
      const box = createSecretBox(keyring(K2));
      expect((await sealedValues()).map((v) => box.open(v)).sort()).toEqual(
        [secrets.metaToken, secrets.rotatedToken, secrets.standardSecret, secrets.telegramSecret].sort(),
      );
      // An API process on the same database that knows only k2.
      const container = buildContainer(testConfig(app.db.url, { HOOKRELAY_ENCRYPTION_KEYS: K2, HOOKRELAY_QUEUE_PREFIX: app.container.config.queuePrefix }));
      const server = await listen(container.createApp(), 0, "127.0.0.1");
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/${webhookIds.meta}/test`;
        const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${secrets.apiKey}` } });
        expect(await res.json()).toMatchObject({ success: true });
        // Within the grace period the meta dialect still signs with the previous secret.
        const got = receivers[0]!.deliveries.at(-1)!;
        expect(got.headers["x-hub-signature-256"]).toBe(expectedHubSignature(got.body, secrets.metaToken!));
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await container.close();
      }
    });

    it("names secrets sealed with a key it does not have, re-sealing the rest", async () => {
      const foreign = createSecretBox(keyring(K9)).seal("lost-secret-000000001");
      const { rows } = await pg.query<{ id: string }>("UPDATE webhooks SET previous_secret_cipher = $1 WHERE previous_secret_cipher IS NOT NULL RETURNING id", [foreign]);
      expect(rows).toHaveLength(1);
      const res = await cli(["secrets", "rotate"], `${K1},${K2}`);
      expect(res.code).toBe(1);
      expect(res.err).toContain(`1 secrets are sealed with a key that is not in HOOKRELAY_ENCRYPTION_KEYS (${rows[0]!.id}.previous_secret_cipher)`);
      expect(res.out).toEqual([{ keyId: "k1", webhooks: 3, reencrypted: 3 }]);
    });
  });
});
