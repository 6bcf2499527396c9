import { DIALECT_GUIDES } from "../dialects/registry";
import type { AddressPolicy } from "../egress/address-policy";
import { DIALECT_NAMES } from "../dialects/types";
import { z } from "../lib/zod";
import { checkWebhookUrl, MAX_URL_LENGTH } from "./url-policy";
import { VERIFY_TOKEN_MAX_LENGTH, VERIFY_TOKEN_PATTERN } from "./verify-token";
import { MAX_CLIENT_CERTIFICATE_CHARS, MAX_CLIENT_KEY_CHARS } from "./client-certificate";

export interface WebhookSchemaOptions {
  allowHttpUrls: boolean;
  verifyTokenMinLength: number;
  /** Refuses IP-literal hosts the egress guard would refuse anyway; names are checked when connecting. */
  addressPolicy?: AddressPolicy;
}

/** Subscribable names are looser than account-defined ones: they may be built-in or imported. */
const SubscribedType = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, "is not an event type name");

export const MAX_SUBSCRIPTIONS = 100;
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

/** Built from config: the URL schemes and token length that are accepted depend on it. */
export function webhookSchemas(opts: WebhookSchemaOptions) {
  const Url = z
    .string()
    .max(MAX_URL_LENGTH)
    .superRefine((raw, ctx) => {
      const verdict = checkWebhookUrl(raw, { allowHttp: opts.allowHttpUrls, addressPolicy: opts.addressPolicy });
      if (!verdict.ok) ctx.addIssue({ code: "custom", message: verdict.message, params: { reason: verdict.reason, ...verdict.params } });
    })
    .openapi({ example: "https://example.com/webhooks/hookrelay", description: "HTTPS URL that answers the handshake." });

  const VerifyToken = z
    .string()
    .min(opts.verifyTokenMinLength, `must be at least ${opts.verifyTokenMinLength} characters`)
    .max(VERIFY_TOKEN_MAX_LENGTH)
    .regex(VERIFY_TOKEN_PATTERN, "must be printable ASCII without spaces")
    .openapi({
      description:
        "The webhook's secret. For the meta dialect: echoed in the handshake as hub.verify_token and the HMAC-SHA256 key of X-Hub-Signature-256. Other dialects sign with it as their docs say; where the dialect allows, omit it and a strong one is generated and returned once. Never returned after that.",
    });

  const Dialect = z.enum(DIALECT_NAMES).openapi({
    description: [
      "Whose conventions deliveries follow: handshake, body envelope and signature. What a receiver does to verify each:",
      ...DIALECT_NAMES.map((d) => `- ${DIALECT_GUIDES[d]}`),
    ].join("\n"),
  });
  const DialectOptions = z.record(z.string(), z.unknown()).openapi({ description: "Only for the custom dialect: see CustomDialectOptions." });

  const EventTypes = z
    .array(SubscribedType)
    .min(1, "subscribe to at least one event type")
    .max(MAX_SUBSCRIPTIONS)
    .transform((names) => [...new Set(names)])
    .openapi({ example: ["message.created", "chat.status_changed"] });

  const Description = z.string().trim().max(500);

  const ClientCertificate = z.string().min(1).max(MAX_CLIENT_CERTIFICATE_CHARS).openapi({
    description:
      "PEM certificate presented to the receiver for mutual TLS (the leaf first, then any intermediates). Send with clientKey; both or neither.",
  });
  const ClientKey = z.string().min(1).max(MAX_CLIENT_KEY_CHARS).openapi({
    description: "The certificate's PEM private key, unencrypted. Stored sealed; never returned.",
  });

  const CreateWebhookBody = z
    .strictObject({
      url: Url,
      verifyToken: VerifyToken.optional(),
      eventTypes: EventTypes,
      description: Description.optional(),
      dialect: Dialect.default("meta"),
      dialectOptions: DialectOptions.optional(),
      clientCertificate: ClientCertificate.optional(),
      clientKey: ClientKey.optional(),
    })
    .openapi("CreateWebhook");

  const RotateSecretBody = z
    .strictObject({
      graceSeconds: z.coerce
        .number()
        .int()
        .min(0)
        .max(MAX_GRACE_SECONDS)
        .default(DEFAULT_GRACE_SECONDS)
        .openapi({ description: "How long the old secret keeps working (default 24 h, at most 7 days)." }),
      secret: VerifyToken.optional().openapi({ description: "The new secret; generated when omitted, where the dialect allows." }),
    })
    .openapi("RotateSecret");

  const UpdateWebhookBody = z
    .strictObject({
      url: Url.optional(),
      verifyToken: VerifyToken.optional(),
      eventTypes: EventTypes.optional(),
      description: Description.nullable().optional().openapi({ description: "null clears it." }),
      clientCertificate: ClientCertificate.nullable().optional().openapi({ description: "With clientKey: the new client certificate; null removes certificate and key." }),
      clientKey: ClientKey.optional(),
    })
    .refine((b) => Object.values(b).some((v) => v !== undefined), "send at least one field to change")
    .openapi("UpdateWebhook", {
      description: "Changing url or verifyToken, or setting a client certificate, re-runs the handshake first (presenting the client certificate); nothing changes unless it succeeds.",
    });

  return { CreateWebhookBody, UpdateWebhookBody, RotateSecretBody };
}

export const Webhook = z
  .object({
    id: z.string().openapi({ example: "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(["active", "disabled", "deleted"]).openapi({
      description:
        "`deleted`: soft-deleted (DELETE /v1/webhooks/:id). It receives nothing and can no longer be changed; it and its log stay readable by id until retention removes them.",
    }),
    health: z.enum(["healthy", "warning", "disabled"]).openapi({
      description: "warning once consecutiveFailures reaches the configured threshold; disabled while disabled or deleted.",
    }),
    disabledReason: z.string().nullable(),
    disabledReasonCode: z.enum(["gone", "failing", "paused", "other"]).nullable().openapi({
      description: "Why it is disabled, as a code to show in the viewer's language: the endpoint answered 410 (`gone`), every attempt failed for HOOKRELAY_DISABLE_AFTER (`failing`), paused by the account (`paused`; `disabledReason` has its note); null while active.",
    }),
    disabledAt: z.string().datetime().nullable(),
    deletedAt: z.string().datetime().nullable().openapi({ description: "When it was deleted; null unless status is deleted." }),
    verifiedAt: z.string().datetime().nullable(),
    consecutiveFailures: z.number().int(),
    failingSince: z.string().datetime().nullable().openapi({ description: "When the current run of consecutive failures began; null while healthy." }),
    lastError: z.string().nullable().openapi({ description: "While failing: what the latest failed attempt got (\"503 Service Unavailable\", \"timed out after 5 s\", …)." }),
    lastSuccessAt: z.string().datetime().nullable(),
    lastFailureAt: z.string().datetime().nullable(),
    verifyTokenHint: z.string().openapi({ description: "Last characters of the verify token / secret.", example: "…x9Qz" }),
    dialect: z.enum(DIALECT_NAMES),
    dialectOptions: z.record(z.string(), z.unknown()).nullable(),
    previousSecretExpiresAt: z
      .string()
      .datetime()
      .nullable()
      .openapi({ description: "During a secret rotation: until when the previous secret still works." }),
    clientCertificate: z
      .object({ subject: z.string(), issuer: z.string(), notAfter: z.string().datetime(), fingerprint256: z.string() })
      .nullable()
      .openapi({ description: "The client certificate presented to the receiver (mutual TLS); null when none. Its key is never returned." }),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .openapi("Webhook");

export const WebhookList = z
  .object({
    data: z.array(Webhook),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .openapi("WebhookList");

export const ListWebhooksQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  include: z.literal("deleted").optional().openapi({ description: "`deleted`: the soft-deleted webhooks too (left out otherwise)." }),
});

export const PauseWebhookBody = z.strictObject({
  reason: z.string().trim().min(1).max(200).optional().openapi({ description: "Shown as the webhook's disabled reason; \"paused\" when absent." }),
});

export const WebhookIdParams = z.object({ id: z.string().max(64).openapi({ example: "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }) });

export const CreatedWebhook = Webhook.extend({
  secret: z.string().optional().openapi({ description: "Present only when hookrelay generated the secret: shown this once." }),
}).openapi("CreatedWebhook");

export const RotatedSecret = z
  .object({
    secret: z.string().openapi({ description: "The new secret, shown this once." }),
    previousSecretExpiresAt: z.string().datetime().nullable(),
    webhook: Webhook,
  })
  .openapi("RotatedSecret");

export const VerifyResult = z
  .object({ verified: z.literal(true), elapsedMs: z.number().int(), webhook: Webhook })
  .openapi("VerifyResult");

export type WebhookDto = z.output<typeof Webhook>;
export type CreateWebhookInput = z.output<ReturnType<typeof webhookSchemas>["CreateWebhookBody"]>;
export type UpdateWebhookInput = z.output<ReturnType<typeof webhookSchemas>["UpdateWebhookBody"]>;
export type RotateSecretInput = z.output<ReturnType<typeof webhookSchemas>["RotateSecretBody"]>;
