import type { IncomingMessage, ServerResponse } from "node:http";
import { DEFAULT_MAX_BODY_BYTES, readRawBody, type NodeLikeRequest } from "./body";
import { answerHandshake, type HandshakeOptions } from "./handshake";
import { checkOptions } from "./options";
import type { VerifiedWebhook, VerifyOptions } from "./types";
import { verifyChecked } from "./verify";

/** What the middleware puts on `req.webhook`: the verified delivery. */
export type ReceivedWebhook = Omit<VerifiedWebhook, "ok">;

export interface NodeLikeResponse {
  headersSent?: boolean;
  writableEnded?: boolean;
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  end(body?: string): unknown;
}

export interface WebhookMiddlewareOptions extends Omit<VerifyOptions, "now"> {
  /** For the handshake, where it differs from `secret` (it rarely does: meta and slack use the same). */
  verifyToken?: string | readonly string[];
  /** Bodies above this are answered 413 unread. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The receiver's clock, for tests. */
  now?: () => Date;
}

export type WebhookRequestWith = NodeLikeRequest & { webhook?: ReceivedWebhook };

type Outcome = { kind: "verified"; webhook: ReceivedWebhook } | { kind: "answered" };

/**
 * Builds the receiving step once (options are checked here, and throw here): reads the raw body,
 * answers the dialect's handshake, verifies, and either answers the failure or hands over the
 * verified webhook.
 */
function receiver(options: WebhookMiddlewareOptions) {
  const checked = checkOptions(options);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const clock = options.now ?? (() => new Date());
  const handshake: HandshakeOptions = {
    dialect: options.dialect,
    verifyToken: options.verifyToken ?? options.secret,
    ...(options.dialectOptions ? { dialectOptions: options.dialectOptions } : {}),
    toleranceSeconds: checked.toleranceSeconds,
  };
  return async (req: WebhookRequestWith, res: NodeLikeResponse): Promise<Outcome> => {
    const body = await readRawBody(req, limit);
    if (body.kind === "too_large") {
      writeError(res, 413, "body_too_large", `the body is larger than ${body.limit} bytes`, { connection: "close" });
      return { kind: "answered" };
    }
    const request = { headers: req.headers, rawBody: body.bytes, method: req.method, url: req.originalUrl ?? req.url };
    const now = clock();
    const answer = answerHandshake(request, { ...handshake, now });
    if (answer.handled) {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return { kind: "answered" };
    }
    const result = verifyChecked(request, checked, now);
    if (!result.ok) {
      writeError(res, result.reason === "invalid_body" ? 400 : 401, result.reason, result.message);
      return { kind: "answered" };
    }
    const { ok: _ok, ...webhook } = result;
    return { kind: "verified", webhook };
  };
}

/** The one error format hookrelay's API answers in, with the reason as the code. */
function writeError(res: NodeLikeResponse, status: number, code: string, message: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...extra });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * express (4 or 5) middleware: `app.post("/hooks", webhookMiddleware({ dialect, secret }), (req, res) => …)`.
 * Mount it before any JSON parser (or after express.raw()). Handshakes are answered here; bad
 * or missing signatures get 401 naming the reason; a verified delivery lands in `req.webhook`.
 */
export function webhookMiddleware(options: WebhookMiddlewareOptions) {
  const receive = receiver(options);
  return (req: WebhookRequestWith, res: NodeLikeResponse, next: (err?: unknown) => void): void => {
    receive(req, res).then((outcome) => {
      if (outcome.kind !== "verified") return;
      req.webhook = outcome.webhook;
      next();
    }, next);
  };
}

/**
 * The same for plain node:http: `createServer(webhookHandler(options, async (webhook) => …))`.
 * A handler that does not answer itself gets 200 once it resolves, 500 if it throws.
 */
export function webhookHandler(
  options: WebhookMiddlewareOptions,
  onWebhook: (webhook: ReceivedWebhook, req: IncomingMessage & { webhook?: ReceivedWebhook }, res: ServerResponse) => void | Promise<void>,
) {
  const receive = receiver(options);
  return (req: IncomingMessage & { webhook?: ReceivedWebhook }, res: ServerResponse): void => {
    const run = async () => {
      const outcome = await receive(req, res);
      if (outcome.kind !== "verified") return;
      req.webhook = outcome.webhook;
      await onWebhook(outcome.webhook, req, res);
      if (res.headersSent || res.writableEnded) return;
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end("ok");
    };
    run().catch((err: unknown) => {
      if (res.headersSent || res.writableEnded) return;
      writeError(res, 500, "internal_error", err instanceof TypeError ? err.message : "the webhook handler failed");
    });
  };
}
