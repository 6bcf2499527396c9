import { loadConfig } from "../../../src/config";
import { judgeAttempt } from "../../../src/delivery/retry-policy";
import { judgeTransport } from "../../../src/dialects/handshake";
import { createAddressPolicy } from "../../../src/egress/address-policy";
import { parseCidr } from "../../../src/egress/ip";
import type { HttpOutcome } from "../../../src/lib/outbound-http";
import { checkWebhookUrl } from "../../../src/webhooks/url-policy";

const refused: HttpOutcome = {
  kind: "refused",
  errorClass: "EGRESS_REFUSED",
  reason: "private",
  host: "evil.test",
  address: "10.0.0.5",
  message: "evil.test resolves to 10.0.0.5, a private-network address (10.0.0.0/8); hookrelay does not send to internal networks",
  elapsedMs: 1,
};

describe("what follows a refused destination", () => {
  const policy = { scheduleMs: [0, 5_000, 30_000], jitter: 0, retryAfterMaxMs: 3_600_000 };

  it("gives up on a delivery at once instead of retrying it on the schedule", () => {
    const verdict = judgeAttempt(refused, 1, policy, new Date(), 0.5);
    expect(verdict).toEqual({ kind: "give_up", reason: expect.stringMatching(/^EGRESS_REFUSED: evil\.test resolves to 10\.0\.0\.5.*; not retried$/) });
  });

  it("fails a handshake with its own reason, naming the address and the kind of range", () => {
    expect(judgeTransport(refused, "the challenge")).toEqual({
      verified: false,
      reason: "destination_refused",
      message: expect.stringContaining("evil.test resolves to 10.0.0.5, a private-network address (10.0.0.0/8)"),
      error: "EGRESS_REFUSED",
      address: "10.0.0.5",
      addressKind: "private",
      elapsedMs: 1,
    });
  });
});

describe("registering a URL whose host is an IP address", () => {
  const guarded = { allowHttp: true, addressPolicy: createAddressPolicy([]) };

  it.each([
    ["http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"],
    ["http://2130706433/hook", "127.0.0.1 is a loopback address"],
    ["http://0x7f.1/hook", "127.0.0.1 is a loopback address"],
    ["http://[::1]/hook", "::1 is a loopback address"],
    ["http://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1 is a loopback address"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata service address"],
    ["https://10.0.0.5/hook", "10.0.0.5 is a private-network address"],
    ["https://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata service address"],
    ["https://0.0.0.0/", "0.0.0.0 is an unspecified"],
  ])("refuses %s", (url, message) => {
    const verdict = checkWebhookUrl(url, guarded);
    const address = message.split(" ")[0]!;
    expect(verdict).toEqual({
      ok: false,
      reason: "internal_address",
      message: expect.stringContaining(message),
      params: { address, addressKind: expect.any(String), range: expect.any(String) },
    });
  });

  it("accepts public addresses and names (names are checked when connecting)", () => {
    for (const url of ["https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook", "https://localhost/hook", "https://example.com/hook"]) {
      expect(checkWebhookUrl(url, guarded)).toMatchObject({ ok: true });
    }
  });

  it("accepts an allowlisted address", () => {
    const dev = { allowHttp: true, addressPolicy: createAddressPolicy([parseCidr("127.0.0.0/8")!]) };
    expect(checkWebhookUrl("http://127.0.0.1:8080/hook", dev)).toMatchObject({ ok: true });
  });
});

describe("egress configuration", () => {
  const base = {
    DATABASE_URL: "postgres://localhost/x",
    REDIS_URL: "redis://localhost",
    HOOKRELAY_ADMIN_KEY: "a".repeat(24),
    HOOKRELAY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString("base64")}`,
  };

  it("has the guard fully on by default: no allowlist, no proxy", () => {
    const config = loadConfig(base);
    expect(config.egressAllowCidrs).toEqual([]);
    expect(config.egressProxyUrl).toBeUndefined();
    expect(loadConfig({ ...base, HOOKRELAY_EGRESS_ALLOW_CIDRS: "" }).egressAllowCidrs).toEqual([]);
  });

  it("reads a comma-separated allowlist of CIDRs and bare addresses", () => {
    const config = loadConfig({ ...base, HOOKRELAY_EGRESS_ALLOW_CIDRS: "127.0.0.0/8, ::1 ,10.1.2.3/16" });
    expect(config.egressAllowCidrs.map((c) => c.text)).toEqual(["127.0.0.0/8", "::1/128", "10.1.0.0/16"]);
  });

  it("refuses a malformed allowlist entry, naming it", () => {
    expect(() => loadConfig({ ...base, HOOKRELAY_EGRESS_ALLOW_CIDRS: "127.0.0.0/8,localhost" })).toThrow(
      /HOOKRELAY_EGRESS_ALLOW_CIDRS: "localhost" is not a CIDR/,
    );
  });

  it("accepts an http(s) proxy URL and refuses anything else", () => {
    expect(loadConfig({ ...base, HOOKRELAY_EGRESS_PROXY: "http://user:pw@proxy.internal:3128" }).egressProxyUrl).toBe("http://user:pw@proxy.internal:3128");
    for (const bad of ["proxy.internal:3128", "socks5://proxy:1080", "http://proxy:3128/some/path"]) {
      expect(() => loadConfig({ ...base, HOOKRELAY_EGRESS_PROXY: bad })).toThrow(/HOOKRELAY_EGRESS_PROXY: must be an http/);
    }
  });
});
