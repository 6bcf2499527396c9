import type { MessageKey } from "../i18n/en";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";

/**
 * What a failed attempt got, as the API words it (`describeFailure` in
 * src/delivery/retry-policy.ts: "HTTP 503", "timed out after 5000 ms",
 * "ECONNREFUSED: connect ECONNREFUSED 10.0.0.7:443"), read back so the viewer sees it in
 * their language. Only those exact forms are read, and a network failure only for the error
 * classes below; anything else stays the server's text, shown as it came.
 */
export type FailureReading =
  | { kind: "http"; status: number }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "network"; errorClass: string; cause: MessageKey }
  | { kind: "unread"; text: string };

/** The network error classes the portal words itself (Node's and undici's codes, and the egress guard's). */
export const NETWORK_CAUSE: Readonly<Record<string, MessageKey>> = {
  ECONNREFUSED: "network.refused",
  ENOTFOUND: "network.dns",
  EAI_AGAIN: "network.dns",
  ECONNRESET: "network.reset",
  EPIPE: "network.reset",
  UND_ERR_SOCKET: "network.reset",
  EHOSTUNREACH: "network.unreachable",
  ENETUNREACH: "network.unreachable",
  CERT_HAS_EXPIRED: "network.tls",
  DEPTH_ZERO_SELF_SIGNED_CERT: "network.tls",
  SELF_SIGNED_CERT_IN_CHAIN: "network.tls",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "network.tls",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "network.tls",
  ERR_TLS_CERT_ALTNAME_INVALID: "network.tls",
  EGRESS_REFUSED: "network.egressRefused",
};

const HTTP = /^HTTP (\d{3})$/;
const TIMEOUT = /^timed out after (\d+) ms$/;
const NETWORK = /^([A-Z][A-Z0-9_]*): .+$/s;

export function readFailure(text: string): FailureReading {
  const http = HTTP.exec(text);
  if (http) return { kind: "http", status: Number(http[1]) };
  const timeout = TIMEOUT.exec(text);
  if (timeout) return { kind: "timeout", timeoutMs: Number(timeout[1]) };
  const network = NETWORK.exec(text);
  const cause = network && Object.hasOwn(NETWORK_CAUSE, network[1]!) ? NETWORK_CAUSE[network[1]!] : undefined;
  if (network && cause) return { kind: "network", errorClass: network[1]!, cause };
  return { kind: "unread", text };
}

/** A network error class in words, with the class itself for searching ("…refused (ECONNREFUSED)"); null for a class not listed. */
export function networkCauseText(errorClass: string, t: Translate): string | null {
  const cause = Object.hasOwn(NETWORK_CAUSE, errorClass) ? NETWORK_CAUSE[errorClass] : undefined;
  return cause ? t(cause, { code: errorClass }) : null;
}

/** A failed attempt's description in the viewer's language; the server's own text when it is not one of the known forms. */
export function failureText(text: string, t: Translate, fmt: Pick<Formatters, "seconds">): string {
  const reading = readFailure(text);
  switch (reading.kind) {
    case "http":
      return t("failure.http", { status: reading.status });
    case "timeout":
      return t("failure.timeout", { duration: fmt.seconds(reading.timeoutMs) });
    case "network":
      return t(reading.cause, { code: reading.errorClass });
    case "unread":
      return reading.text;
  }
}
