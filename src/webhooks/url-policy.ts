import { describeRefusal, type AddressPolicy } from "../egress/address-policy";
import { parseIp } from "../egress/ip";

/**
 * Which URLs may be registered. Pure: the network checks (what the host resolves to) belong
 * to the SSRF guard at connect time, where the answer cannot change between check and use. A
 * host that is itself an address the guard would refuse is turned away here already.
 */
export type UrlRefusal = "too_long" | "not_absolute" | "scheme" | "credentials" | "fragment" | "no_host" | "internal_address";

/** A refusal names its reason (and, for an internal address, which) so clients can word it themselves. */
export type UrlVerdict =
  | { ok: true; url: string }
  | { ok: false; reason: UrlRefusal; message: string; params?: Record<string, string | number | boolean> };

export const MAX_URL_LENGTH = 2048;

export function checkWebhookUrl(raw: string, opts: { allowHttp: boolean; addressPolicy?: AddressPolicy }): UrlVerdict {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: "too_long", message: `must be at most ${MAX_URL_LENGTH} characters`, params: { maximum: MAX_URL_LENGTH } };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not_absolute", message: "must be an absolute URL such as https://example.com/webhooks" };
  }
  if (url.protocol !== "https:" && !(opts.allowHttp && url.protocol === "http:")) {
    return {
      ok: false,
      reason: "scheme",
      message: opts.allowHttp ? "must use https or http" : "must use https (plain http is allowed only in development setups)",
      params: { httpAllowed: opts.allowHttp },
    };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "credentials", message: "must not carry credentials; authenticate with the signature instead" };
  }
  // `url.hash` is "" for a bare trailing "#", so look at the input itself.
  if (url.hash || raw.includes("#")) return { ok: false, reason: "fragment", message: "must not have a #fragment: it is never sent to the server" };
  if (!url.hostname) return { ok: false, reason: "no_host", message: "must name a host" };
  // The URL parser has already normalized 0x7f.1, 2130706433 and [::ffff:7f00:1] to one spelling.
  if (opts.addressPolicy && parseIp(url.hostname)) {
    const verdict = opts.addressPolicy.check(url.hostname.replace(/^\[|\]$/g, ""));
    if (!verdict.allowed) {
      return {
        ok: false,
        reason: "internal_address",
        message: `must not point at an internal network: ${verdict.address} is ${describeRefusal(verdict.reason)} (${verdict.range})`,
        params: { address: verdict.address, addressKind: verdict.reason, range: verdict.range },
      };
    }
  }
  return { ok: true, url: url.toString() };
}
