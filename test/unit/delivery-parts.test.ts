import { createHmac } from "node:crypto";
import { maskHeaders } from "../../src/delivery/mask-headers";
import { metaDialect } from "../../src/dialects/meta";
import { renderEnvelope } from "../../src/events/envelope";
import { afterFailure, disabledReasonCode } from "../../src/health/failure-tracker";
import { parseDuration } from "../../src/lib/duration";
import { redisOptionsFromUrl } from "../../src/lib/redis";

describe("renderEnvelope", () => {
  const source = { id: "evt_1", type: "message.created", createdAt: new Date("2026-11-23T10:00:00.000Z"), data: '{"z":1,"a":"é","n":1.50}' };

  it("wraps the stored data text byte for byte", () => {
    expect(renderEnvelope(source)).toBe('{"id":"evt_1","type":"message.created","createdAt":"2026-11-23T10:00:00.000Z","data":{"z":1,"a":"é","n":1.50}}');
  });

  it("is valid JSON whose fields read back as given", () => {
    expect(JSON.parse(renderEnvelope({ ...source, id: 'weird"id\\' }))).toEqual({
      id: 'weird"id\\',
      type: "message.created",
      createdAt: "2026-11-23T10:00:00.000Z",
      data: { z: 1, a: "é", n: 1.5 },
    });
  });
});

describe("the meta dialect's signature", () => {
  const meta = metaDialect({ minSecretLength: 16 });
  const secret = "verify-token-123456";
  const input = { body: '{"text":"héllo"}', secrets: [secret], eventType: "t", deliveryId: "d", attempt: 1, now: new Date() };

  it("signs the UTF-8 bytes of the body with HMAC-SHA256 keyed by the verify token", () => {
    const expected = createHmac("sha256", secret).update(Buffer.from(input.body, "utf8")).digest("hex");
    expect(meta.sign(input)).toEqual({ "x-hub-signature-256": `sha256=${expected}` });
  });

  it("changes with one byte of the body or the key", () => {
    const base = meta.sign(input)["x-hub-signature-256"];
    expect(meta.sign({ ...input, body: input.body + " " })["x-hub-signature-256"]).not.toBe(base);
    expect(meta.sign({ ...input, secrets: [secret + "x"] })["x-hub-signature-256"]).not.toBe(base);
  });

  it("never generates the secret: the customer's receiver must know it for the handshake", () => {
    expect(meta.secret.generate()).toBeNull();
    expect(meta.secret.problem("short")).toMatch(/at least 16/);
  });
});

describe("maskHeaders", () => {
  it("masks secret-bearing headers whole, whatever their case, and keeps the rest", () => {
    const sig = `sha256=${"a".repeat(64)}`;
    const masked = maskHeaders({ "X-Hub-Signature-256": sig, "content-type": "application/json" }, ["x-hub-signature-256"]);
    expect(masked).toEqual({ "X-Hub-Signature-256": "[masked]", "content-type": "application/json" });
  });

  it("reveals not one character of a header that is the secret itself", () => {
    expect(maskHeaders({ token: "abcdefghijklmnop" }, ["token"]).token).toBe("[masked]");
  });
});

describe("afterFailure", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  const day = 86_400_000;
  const state = (failingSinceMsAgo: number | null, status: "active" | "disabled" = "active") => ({
    status,
    consecutiveFailures: 42,
    failingSince: failingSinceMsAgo === null ? null : new Date(now.getTime() - failingSinceMsAgo),
  });

  it("disables at once when the endpoint is gone", () => {
    expect(afterFailure(state(null), now, 5 * day, true)).toEqual({ kind: "disable", reason: "the endpoint answered 410 Gone", code: "gone" });
  });

  it("disables once failures have lasted the configured period, not before", () => {
    expect(afterFailure(state(5 * day - 1), now, 5 * day, false)).toEqual({ kind: "none" });
    expect(afterFailure(state(5 * day), now, 5 * day, false)).toEqual({
      kind: "disable",
      reason: "every attempt failed for 120 h (42 consecutive failures)",
      code: "failing",
    });
  });

  it("does nothing to a webhook that is already disabled", () => {
    expect(afterFailure(state(10 * day, "disabled"), now, 5 * day, true)).toEqual({ kind: "none" });
  });

  it("gives every reason it writes a code the portal can show in the viewer's language", () => {
    const gone = afterFailure(state(null), now, 5 * day, true);
    const failing = afterFailure(state(5 * day), now, 5 * day, false);
    expect(gone.kind === "disable" && disabledReasonCode(gone.reason)).toBe("gone");
    expect(failing.kind === "disable" && disabledReasonCode(failing.reason)).toBe("failing");
    // The code the tracker returns and the code read back from what it stored agree.
    expect(gone.kind === "disable" && gone.code).toBe("gone");
    expect(failing.kind === "disable" && failing.code).toBe("failing");
    expect(disabledReasonCode("paused")).toBe("paused");
    expect(disabledReasonCode("paused: maintenance until 5 pm")).toBe("paused");
    expect(disabledReasonCode("pausedx")).toBe("other");
    expect(disabledReasonCode(null)).toBeNull();
  });
});

describe("parseDuration", () => {
  it.each([
    ["0", 0],
    ["250", 250],
    ["250ms", 250],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["5d", 432_000_000],
    [" 5s ", 5_000],
  ])("reads %j as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "s", "-1s", "5 days", "1w", "1e3", "5s5"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

});

describe("redisOptionsFromUrl", () => {
  it("reads host, port, credentials, database and TLS from a redis URL", () => {
    expect(redisOptionsFromUrl("rediss://user:p%40ss@cache.example:6380/2")).toEqual({
      host: "cache.example",
      port: 6380,
      username: "user",
      password: "p@ss",
      db: 2,
      tls: {},
      maxRetriesPerRequest: 3,
    });
    expect(redisOptionsFromUrl("redis://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 6379, db: 0, maxRetriesPerRequest: 3 });
  });
});
