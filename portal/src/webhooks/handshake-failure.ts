import type { ApiError } from "../api/errors";
import { networkCauseText } from "../deliveries/failure";
import type { MessageKey } from "../i18n/en";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";

/**
 * A failed ownership handshake as the API reports it: a 422 `handshake_failed` whose
 * `error.details` say why (src/dialects/handshake.ts, `HandshakeResult` without its English
 * `message`). Read here so the page can say it in the viewer's language.
 */
export const HANDSHAKE_REASONS = ["timeout", "unreachable", "destination_refused", "redirect", "http_status", "challenge_mismatch"] as const;
export type HandshakeReason = (typeof HANDSHAKE_REASONS)[number];

export interface HandshakeFailure {
  reason: HandshakeReason;
  /** What the endpoint answered (http_status, redirect, challenge_mismatch). */
  status?: number;
  elapsedMs?: number;
  bodySnippet?: string;
  /** The network error class (unreachable, destination_refused). */
  error?: string;
  /** destination_refused: the refused address and the kind of range it is in. */
  address?: string;
  addressKind?: string;
}

/** The kinds of refused address (src/egress/address-policy.ts), worded: shared by the handshake and the URL check. */
const ADDRESS_KIND: Readonly<Record<string, MessageKey>> = {
  unspecified: "address.unspecified",
  loopback: "address.loopback",
  private: "address.private",
  link_local: "address.link_local",
  cgnat: "address.cgnat",
  metadata: "address.metadata",
  multicast: "address.multicast",
  broadcast: "address.broadcast",
  documentation: "address.documentation",
  benchmark: "address.benchmark",
  reserved: "address.reserved",
  invalid: "address.invalid",
};

/** The catalog key wording an address kind; undefined for a kind this portal does not know. */
export function addressKindKey(kind: string | undefined): MessageKey | undefined {
  return kind !== undefined && Object.hasOwn(ADDRESS_KIND, kind) ? ADDRESS_KIND[kind] : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const numberOr = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const stringOr = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The handshake failure behind an ApiError; null for any other error, or for a reason this portal does not know (then the API's message is shown). */
export function readHandshakeFailure(error: ApiError): HandshakeFailure | null {
  if (error.code !== "handshake_failed" || !isObject(error.details)) return null;
  const d = error.details;
  const reason = HANDSHAKE_REASONS.find((r) => r === d.reason);
  if (!reason) return null;
  return {
    reason,
    status: numberOr(d.status),
    elapsedMs: numberOr(d.elapsedMs),
    bodySnippet: stringOr(d.bodySnippet),
    error: stringOr(d.error),
    address: stringOr(d.address),
    addressKind: stringOr(d.addressKind),
  };
}

/** What the endpoint did, in plain words: "Your endpoint answered 403…", "Timed out after 5 seconds…". */
export function handshakeFailureText(f: HandshakeFailure, t: Translate, fmt: Pick<Formatters, "seconds">): string {
  const status = f.status ?? "?";
  switch (f.reason) {
    case "timeout":
      return f.elapsedMs === undefined ? t("handshake.timeoutNoTime") : t("handshake.timeout", { duration: fmt.seconds(f.elapsedMs) });
    case "unreachable": {
      const cause = f.error ? (networkCauseText(f.error, t) ?? f.error) : null;
      return cause ? t("handshake.unreachable", { cause }) : t("handshake.unreachableNoCause");
    }
    case "destination_refused": {
      const kind = addressKindKey(f.addressKind);
      return f.address && kind ? t("handshake.destinationRefused", { address: f.address, kind: t(kind) }) : t("handshake.destinationRefusedNoAddress");
    }
    case "redirect":
      return t("handshake.redirect", { status });
    case "http_status":
      return t("handshake.httpStatus", { status });
    case "challenge_mismatch":
      return t("handshake.challengeMismatch", { status });
  }
}
