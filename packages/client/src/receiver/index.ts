/**
 * `@hookrelay/client/receiver`: checking that a request is a hookrelay delivery, in each dialect
 * hookrelay signs in, and answering the handshake it sends when a webhook is registered.
 */
export { verify, verifyOrThrow, WebhookVerificationError } from "./verify";
export { answerHandshake, type HandshakeAnswer, type HandshakeOptions, type HandshakeRequest } from "./handshake";
export {
  webhookHandler,
  webhookMiddleware,
  type NodeLikeResponse,
  type ReceivedWebhook,
  type WebhookMiddlewareOptions,
  type WebhookRequestWith,
} from "./middleware";
export { receiveRequest, verifyRequest, type FetchLikeRequest } from "./fetch";
export { DEFAULT_MAX_BODY_BYTES, type NodeLikeRequest } from "./body";
export { DEFAULT_TOLERANCE_SECONDS } from "./options";
export {
  DIALECTS,
  type CustomDialectOptions,
  type DialectName,
  type HandshakeStyle,
  type HeadersLike,
  type VerificationFailure,
  type VerificationFailureReason,
  type VerifiedWebhook,
  type VerifyOptions,
  type VerifyResult,
  type WebhookRequest,
} from "./types";
