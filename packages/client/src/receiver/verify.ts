import { headerReader } from "./headers";
import { bodyBytes, checkOptions, type CheckedOptions } from "./options";
import { fail } from "./signatures";
import type { DialectInput, VerificationFailureReason, VerifiedWebhook, VerifyOptions, VerifyResult, WebhookRequest } from "./types";

/**
 * Checks that a request is a delivery signed with one of `options.secret` in the dialect's way
 * (constant-time comparisons; signed timestamps within `toleranceSeconds`), then parses it.
 * Never throws for anything the request brings; throws a TypeError for unusable options.
 */
export function verify(request: WebhookRequest, options: VerifyOptions): VerifyResult {
  return verifyChecked(request, checkOptions(options), options.now);
}

/** The same, for options already checked once (the middleware). */
export function verifyChecked(request: WebhookRequest, o: CheckedOptions, now: Date = new Date()): VerifyResult {
  const header = headerReader(request.headers);
  const input: DialectInput = {
    header,
    body: bodyBytes(request.rawBody),
    secrets: o.secrets,
    toleranceSeconds: o.toleranceSeconds,
    nowSeconds: Math.floor(now.getTime() / 1000),
    ...(o.dialectOptions ? { options: o.dialectOptions } : {}),
  };
  const verdict = o.verifier.verify(input);
  if (!verdict.ok) return verdict;

  let event: unknown;
  try {
    event = JSON.parse(input.body.toString("utf8"));
  } catch {
    return fail("invalid_body", "the request is authentic but its body is not JSON");
  }
  const described = o.verifier.describe?.(event, input) ?? {};
  const id = verdict.id ?? described.id;
  const type = described.type ?? header("x-webhook-event");
  const deliveryId = header("x-webhook-id");
  const attempt = Number(header("x-webhook-attempt"));
  return {
    ok: true,
    dialect: o.dialect,
    event,
    ...(id !== undefined ? { id } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(verdict.timestamp !== undefined ? { timestamp: verdict.timestamp } : {}),
    ...(deliveryId !== undefined ? { deliveryId } : {}),
    ...(Number.isInteger(attempt) && attempt > 0 ? { attempt } : {}),
    rawBody: input.body,
  };
}

/** Thrown by verifyOrThrow; `name` is set so it survives serialization and `instanceof` across copies. */
export class WebhookVerificationError extends Error {
  readonly reason: VerificationFailureReason;
  constructor(reason: VerificationFailureReason, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

/** verify for those who prefer exceptions: the verified webhook, or a WebhookVerificationError. */
export function verifyOrThrow(request: WebhookRequest, options: VerifyOptions): VerifiedWebhook {
  const result = verify(request, options);
  if (!result.ok) throw new WebhookVerificationError(result.reason, result.message);
  return result;
}
