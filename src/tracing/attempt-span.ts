import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import type { AttemptRecord } from "../delivery/attempt";
import type { AttemptSpanTarget } from "./tracing";

/**
 * What an attempt's span says, as data (the span itself is made in setup.ts). An HTTP client
 * span by the semantic conventions' attributes, named "hookrelay.attempt" rather than "POST":
 * every attempt is a POST, and the name is what a trace view lists and one searches by.
 */
export const ATTEMPT_SPAN = "hookrelay.attempt";

/**
 * The receiver as host and port only, never the URL: a webhook URL may carry a secret in its
 * query (`?token=…`) or its path (Slack's /services/T…/B…/<secret>), and spans go to a
 * collector that more people read than the webhook's owner.
 */
export function receiverOf(url: string): Attributes {
  try {
    const u = new URL(url);
    const scheme = u.protocol.replace(/:$/, "");
    return {
      // IPv6 literals keep their brackets in URL.hostname; the conventions want the bare address.
      [ATTR_SERVER_ADDRESS]: u.hostname.replace(/^\[(.*)\]$/, "$1"),
      [ATTR_SERVER_PORT]: u.port ? Number(u.port) : scheme === "https" ? 443 : 80,
      [ATTR_URL_SCHEME]: scheme,
    };
  } catch {
    return {};
  }
}

/** Known before the request goes out. */
export function attemptStartAttributes(t: AttemptSpanTarget): Attributes {
  return {
    [ATTR_HTTP_REQUEST_METHOD]: "POST",
    ...receiverOf(t.url),
    "hookrelay.delivery.id": t.delivery.id,
    "hookrelay.webhook.id": t.delivery.webhookId,
    "hookrelay.account.id": t.delivery.accountId,
    "hookrelay.event.id": t.event.id,
    "hookrelay.event.type": t.event.type,
    "hookrelay.attempt.number": t.attemptNumber,
    ...(t.delivery.isTest ? { "hookrelay.attempt.test": true } : {}),
  };
}

/**
 * The receiver's answer: its status and how long the exchange took, or what happened instead
 * (`hookrelay.attempt.outcome`: response, timeout, network, refused). `error` is the span's
 * ERROR status message when the attempt failed (anything but a 2xx), null when it succeeded.
 */
export function attemptEndAttributes(sent: Pick<AttemptRecord, "outcome" | "success">): { attributes: Attributes; error: string | null } {
  const o = sent.outcome;
  const attributes: Attributes = { "hookrelay.attempt.outcome": o.kind, "hookrelay.attempt.elapsed_ms": o.elapsedMs };
  let error: string | null;
  switch (o.kind) {
    case "response":
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = o.status;
      error = sent.success ? null : `HTTP ${o.status}`;
      if (error) attributes[ATTR_ERROR_TYPE] = String(o.status);
      break;
    case "timeout":
      attributes[ATTR_ERROR_TYPE] = "timeout";
      error = `timed out after ${o.timeoutMs} ms`;
      break;
    case "network":
      attributes[ATTR_ERROR_TYPE] = o.errorClass;
      error = o.errorClass;
      break;
    case "refused":
      // Nothing was sent: the egress policy refused the address (src/egress/).
      attributes[ATTR_ERROR_TYPE] = o.errorClass;
      attributes["hookrelay.attempt.refusal"] = o.reason;
      error = `${o.errorClass}: ${o.reason}`;
      break;
  }
  return { attributes, error };
}
