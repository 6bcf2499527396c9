import { startTestApp, type TestApp, type TestResponse } from "../support/app";

/**
 * Per-account limits, besides each key's own: all of an account's keys draw from one account
 * bucket too, so more keys buy no more allowance. Counted in the suite's real Redis under this
 * file's prefix; windows of 10 s, so no bucket refills mid-test.
 */
const remaining = (res: TestResponse) => res.headers.get("ratelimit-remaining");

/** Made through the service, so that setup spends nothing from any bucket. */
async function accountWithKeys(app: TestApp, name: string) {
  const { account, key } = await app.container.accounts.create(name);
  const second = await app.container.accounts.createKey(account.id, "second");
  return { accountId: account.id, key: key.apiKey, secondKey: second.apiKey };
}

describe("per-account rate limits", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      HOOKRELAY_RATE_LIMIT: "3/10s",
      HOOKRELAY_ACCOUNT_RATE_LIMIT: "4/10s",
      HOOKRELAY_INGEST_RATE_LIMIT: "100/10s",
      HOOKRELAY_ACCOUNT_INGEST_RATE_LIMIT: "2/10s",
    });
  });
  afterAll(() => app.close());

  it("makes two keys of one account share the account's limit, and leaves another account's key alone", async () => {
    const a = await accountWithKeys(app, "A");
    const b = await accountWithKeys(app, "B");
    const first = [];
    for (let i = 0; i < 2; i++) first.push(await app.call("GET", "/v1/webhooks", { key: a.key }));
    expect(first.map((r) => r.status)).toEqual([200, 200]);
    // The key has 1 left of 3, the account 2 of 4: the key's is the tighter, and shown.
    expect(first.map(remaining)).toEqual(["2", "1"]);
    expect(first[1]!.headers.get("ratelimit-limit")).toBe("3");

    const second = [];
    for (let i = 0; i < 2; i++) second.push(await app.call("GET", "/v1/webhooks", { key: a.secondKey }));
    expect(second.map((r) => r.status)).toEqual([200, 200]);
    // Now the account's bucket binds: 1 left, then 0, with its own limit in the headers.
    expect(second.map(remaining)).toEqual(["1", "0"]);
    expect(second[1]!.headers.get("ratelimit-limit")).toBe("4");

    // The second key has used 2 of its own 3, yet the account has none left: refused, naming the account.
    const refused = await app.call("GET", "/v1/webhooks", { key: a.secondKey });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limited", message: expect.stringContaining("this account"), details: { limitedBy: "account", limit: 4 } });
    expect(refused.headers.get("ratelimit-limit")).toBe("4");
    const retryAfter = Number(refused.headers.get("retry-after"));
    // One request is freed every 10/4 s.
    expect(retryAfter).toBeGreaterThanOrEqual(2);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect((await app.call("GET", "/v1/webhooks", { key: a.key })).status).toBe(429);

    const other = await app.call("GET", "/v1/webhooks", { key: b.key });
    expect(other.status).toBe(200);
    expect(remaining(other)).toBe("2");
  });

  it("names the key when the key's own limit is what binds, and a refusal takes nothing from the account", async () => {
    const c = await accountWithKeys(app, "C");
    for (let i = 0; i < 3; i++) expect((await app.call("GET", "/v1/webhooks", { key: c.key })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const refused = await app.call("GET", "/v1/webhooks", { key: c.key });
      expect(refused.status).toBe(429);
      expect(refused.body.error.details).toMatchObject({ limitedBy: "key", limit: 3 });
      expect(refused.body.error.message).toContain("this API key");
    }
    // The account spent 3 of 4; the three refusals spent nothing: the other key gets the last one.
    const last = await app.call("GET", "/v1/webhooks", { key: c.secondKey });
    expect(last.status).toBe(200);
    expect(remaining(last)).toBe("0");
  });

  it("keeps ingestion's account bucket apart from the API's", async () => {
    const d = await accountWithKeys(app, "D");
    const emit = (key: string) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data: {} } });
    expect((await emit(d.key)).status).toBe(202);
    expect((await emit(d.secondKey)).status).toBe(202);
    const refused = await emit(d.key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.details).toMatchObject({ limitedBy: "account", limit: 2 });
    expect((await app.call("GET", "/v1/webhooks", { key: d.key })).status).toBe(200);
  });
});
