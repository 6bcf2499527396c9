import { checkWebhookUrl, MAX_URL_LENGTH } from "../../src/webhooks/url-policy";

const strict = { allowHttp: false };
const dev = { allowHttp: true };

describe("checkWebhookUrl", () => {
  it("accepts an https URL and returns it normalized", () => {
    expect(checkWebhookUrl("https://Example.COM/hooks?a=1", strict)).toEqual({ ok: true, url: "https://example.com/hooks?a=1" });
  });

  it("refuses plain http unless http is allowed", () => {
    expect(checkWebhookUrl("http://example.com/hooks", strict)).toEqual({
      ok: false,
      reason: "scheme",
      message: "must use https (plain http is allowed only in development setups)",
      params: { httpAllowed: false },
    });
    expect(checkWebhookUrl("http://example.com/hooks", dev)).toEqual({ ok: true, url: "http://example.com/hooks" });
  });

  it.each(["ftp://example.com/x", "ws://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "mailto:a@example.com"])(
    "refuses the scheme of %s even when http is allowed",
    (raw) => {
      expect(checkWebhookUrl(raw, strict)).toEqual({ ok: false, reason: "scheme", message: expect.stringMatching(/^must use https/), params: { httpAllowed: false } });
      expect(checkWebhookUrl(raw, dev)).toEqual({ ok: false, reason: "scheme", message: "must use https or http", params: { httpAllowed: true } });
    },
  );

  it.each(["https://user:pass@example.com/", "https://user@example.com/", "https://:secret@example.com/"])(
    "refuses credentials in %s",
    (raw) => {
      expect(checkWebhookUrl(raw, strict)).toEqual({
        ok: false,
        reason: "credentials",
        message: "must not carry credentials; authenticate with the signature instead",
      });
    },
  );

  it("refuses a fragment, which is never sent to the server", () => {
    expect(checkWebhookUrl("https://example.com/hooks#section", strict)).toEqual({
      ok: false,
      reason: "fragment",
      message: "must not have a #fragment: it is never sent to the server",
    });
  });

  it("refuses an empty fragment too", () => {
    expect(checkWebhookUrl("https://example.com/hooks#", strict).ok).toBe(false);
  });

  it("accepts a URL of exactly the maximum length and refuses one character more", () => {
    const prefix = "https://example.com/";
    const atLimit = prefix + "a".repeat(MAX_URL_LENGTH - prefix.length);
    expect(checkWebhookUrl(atLimit, strict).ok).toBe(true);
    expect(checkWebhookUrl(atLimit + "a", strict)).toEqual({
      ok: false,
      reason: "too_long",
      message: `must be at most ${MAX_URL_LENGTH} characters`,
      params: { maximum: MAX_URL_LENGTH },
    });
  });

  it.each(["", "example.com/hooks", "/hooks", "https://", "not a url", "https://exa mple.com/"])("refuses %j as not an absolute URL", (raw) => {
    expect(checkWebhookUrl(raw, strict)).toEqual({
      ok: false,
      reason: "not_absolute",
      message: "must be an absolute URL such as https://example.com/webhooks",
    });
  });

  it("accepts an internationalized host, returned in punycode", () => {
    expect(checkWebhookUrl("https://bücher.de/hooks", strict)).toEqual({ ok: true, url: "https://xn--bcher-kva.de/hooks" });
  });

  it("accepts an IPv6 host with a port", () => {
    expect(checkWebhookUrl("https://[2001:db8::1]:8443/hooks", strict)).toEqual({ ok: true, url: "https://[2001:db8::1]:8443/hooks" });
  });
});
