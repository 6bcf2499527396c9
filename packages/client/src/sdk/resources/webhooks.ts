import { unwrap } from "../call";
import type { Context } from "../client";
import { List } from "../list";
import type {
  Attempt,
  BodyOf,
  CreatedWebhook,
  CreateWebhook,
  EnabledWebhook,
  ListAttemptsQuery,
  ListNoticesQuery,
  ListWebhooksQuery,
  Notice,
  PauseWebhook,
  RotatedSecret,
  RotateSecret,
  SignatureCheck,
  TestEvent,
  TestEventResult,
  UpdateWebhook,
  VerifyResult,
  Webhook,
  WebhookStats,
  WebhookStatsQuery,
} from "../types";

const withCursor = <Q extends object>(query: Q, cursor: string | undefined): Q => (cursor ? { ...query, cursor } : query);

export class WebhooksResource {
  constructor(private readonly ctx: Context) {}

  list(query: ListWebhooksQuery = {}): List<Webhook> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/webhooks", { params: { query: withCursor(query, cursor) } })));
  }

  /** Registers a webhook; the API runs the endpoint's handshake before answering. `secret` is in the answer only when generated. */
  create(body: CreateWebhook): Promise<CreatedWebhook> {
    // The API fills in the defaults that the generated type marks required (see types.ts).
    return unwrap(this.ctx.api.POST("/v1/webhooks", { body: body as BodyOf<"/v1/webhooks", "post"> }));
  }

  get(id: string): Promise<Webhook> {
    return unwrap(this.ctx.api.GET("/v1/webhooks/{id}", { params: { path: { id } } }));
  }

  update(id: string, body: UpdateWebhook): Promise<Webhook> {
    return unwrap(this.ctx.api.PATCH("/v1/webhooks/{id}", { params: { path: { id } }, body }));
  }

  async delete(id: string): Promise<void> {
    await unwrap(this.ctx.api.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }));
  }

  /** Re-runs the handshake. */
  verify(id: string): Promise<VerifyResult> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/verify", { params: { path: { id } } }));
  }

  rotateSecret(id: string, body: RotateSecret = {}): Promise<RotatedSecret> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/rotate-secret", { params: { path: { id } }, body: body as BodyOf<"/v1/webhooks/{id}/rotate-secret", "post"> }));
  }

  /** Pauses it (POST /v1/webhooks/:id/disable): nothing is sent until `enable`. */
  pause(id: string, body: PauseWebhook = {}): Promise<Webhook> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/disable", { params: { path: { id } }, body }));
  }

  /** Active again, after the handshake is re-run; `skippedWhileDisabled` offers what to replay (hr.replays.start). */
  enable(id: string): Promise<EnabledWebhook> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/enable", { params: { path: { id } } }));
  }

  stats(id: string, query: WebhookStatsQuery = {}): Promise<WebhookStats> {
    return unwrap(this.ctx.api.GET("/v1/webhooks/{id}/stats", { params: { path: { id }, query } }));
  }

  /** Sends a test event now and answers with what the endpoint did. */
  test(id: string, body: TestEvent = {}): Promise<TestEventResult> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/test", { params: { path: { id } }, body }));
  }

  /** Whether the endpoint accepts a good signature and refuses a bad one. The route takes no body; `_body` is accepted for symmetry. */
  checkSignature(id: string, _body?: Record<string, never>): Promise<SignatureCheck> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/check-signature", { params: { path: { id } } }));
  }

  /** The delivery log (GET /v1/webhooks/:id/deliveries): attempts, newest first. */
  attempts(id: string, query: ListAttemptsQuery = {}): List<Attempt> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/webhooks/{id}/deliveries", { params: { path: { id }, query: withCursor(query, cursor) } })));
  }

  notices(id: string, query: ListNoticesQuery = {}): List<Notice> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/webhooks/{id}/notices", { params: { path: { id }, query: withCursor(query, cursor) } })));
  }
}
