import { z } from "../lib/zod";
import { checkWebhookUrl, MAX_URL_LENGTH } from "./url-policy";
import { VERIFY_TOKEN_MAX_LENGTH, VERIFY_TOKEN_PATTERN } from "./verify-token";

export interface WebhookSchemaOptions {
  allowHttpUrls: boolean;
  verifyTokenMinLength: number;
}

/** Subscribable names are looser than account-defined ones: they may be built-in or imported. */
const SubscribedType = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, "is not an event type name");

export const MAX_SUBSCRIPTIONS = 100;

/** Built from config: the URL schemes and token length that are accepted depend on it. */
export function webhookSchemas(opts: WebhookSchemaOptions) {
  const Url = z
    .string()
    .max(MAX_URL_LENGTH)
    .superRefine((raw, ctx) => {
      const verdict = checkWebhookUrl(raw, { allowHttp: opts.allowHttpUrls });
      if (!verdict.ok) ctx.addIssue({ code: "custom", message: verdict.message });
    })
    .openapi({ example: "https://example.com/webhooks/hookrelay", description: "HTTPS URL that answers the handshake." });

  const VerifyToken = z
    .string()
    .min(opts.verifyTokenMinLength, `must be at least ${opts.verifyTokenMinLength} characters`)
    .max(VERIFY_TOKEN_MAX_LENGTH)
    .regex(VERIFY_TOKEN_PATTERN, "must be printable ASCII without spaces")
    .openapi({
      description:
        "Secret echoed in the handshake as hub.verify_token and used as the HMAC-SHA256 key of X-Hub-Signature-256. Never returned after creation.",
    });

  const EventTypes = z
    .array(SubscribedType)
    .min(1, "subscribe to at least one event type")
    .max(MAX_SUBSCRIPTIONS)
    .transform((names) => [...new Set(names)])
    .openapi({ example: ["message.created", "chat.status_changed"] });

  const Description = z.string().trim().max(500);

  const CreateWebhookBody = z
    .strictObject({ url: Url, verifyToken: VerifyToken, eventTypes: EventTypes, description: Description.optional() })
    .openapi("CreateWebhook");

  const UpdateWebhookBody = z
    .strictObject({
      url: Url.optional(),
      verifyToken: VerifyToken.optional(),
      eventTypes: EventTypes.optional(),
      description: Description.nullable().optional().openapi({ description: "null clears it." }),
    })
    .refine((b) => Object.values(b).some((v) => v !== undefined), "send at least one field to change")
    .openapi("UpdateWebhook", {
      description: "Changing url or verifyToken re-runs the handshake first; nothing changes unless it succeeds.",
    });

  return { CreateWebhookBody, UpdateWebhookBody };
}

export const Webhook = z
  .object({
    id: z.string().openapi({ example: "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(["active", "disabled"]),
    health: z.enum(["healthy", "warning", "disabled"]).openapi({
      description: "warning once consecutiveFailures reaches the configured threshold.",
    }),
    disabledReason: z.string().nullable(),
    disabledAt: z.string().datetime().nullable(),
    verifiedAt: z.string().datetime().nullable(),
    consecutiveFailures: z.number().int(),
    lastSuccessAt: z.string().datetime().nullable(),
    lastFailureAt: z.string().datetime().nullable(),
    verifyTokenHint: z.string().openapi({ description: "Last characters of the verify token.", example: "…x9Qz" }),
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
});

export const WebhookIdParams = z.object({ id: z.string().max(64).openapi({ example: "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }) });

export const VerifyResult = z
  .object({ verified: z.literal(true), elapsedMs: z.number().int(), webhook: Webhook })
  .openapi("VerifyResult");

export type WebhookDto = z.output<typeof Webhook>;
export type CreateWebhookInput = z.output<ReturnType<typeof webhookSchemas>["CreateWebhookBody"]>;
export type UpdateWebhookInput = z.output<ReturnType<typeof webhookSchemas>["UpdateWebhookBody"]>;
