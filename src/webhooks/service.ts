import type { EventTypesService } from "../event-types/service";
import { webhookHealth } from "../health/webhook-health";
import type { Clock } from "../lib/clock";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { notFound, unprocessable } from "../lib/errors";
import { isWellFormedId, newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import { isRecordGone } from "../lib/prisma-errors";
import type { SecretBox } from "../lib/secret-box";
import { Prisma, type Webhook as WebhookRow } from "../generated/prisma/client";
import type { HandshakeResult, OwnershipCheck } from "../dialects/handshake";
import { checkDialectChoice, dialectFor } from "../dialects/registry";
import type { Dialect, DialectName } from "../dialects/types";
import { AppError } from "../lib/errors";
import type { CreateWebhookInput, RotateSecretInput, UpdateWebhookInput, WebhookDto } from "./schemas";
import { verifyTokenHint } from "./verify-token";

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  verifyOwnership: OwnershipCheck;
  eventTypes: EventTypesService;
  failureWarningThreshold: number;
  minSecretLength: number;
  /** Called after a write that may change who receives the account's events (ingestion caches that). */
  onChange?: (accountId: string) => void;
}

/** A field error in the one validation format, for checks that need the dialect to decide. */
function fieldError(field: string, message: string): AppError {
  return new AppError(400, "validation_failed", `${field}: ${message}`, { issues: [{ field, message, code: "custom" }] });
}

export function createWebhooksService(deps: WebhooksDeps) {
  const { db, clock, secrets } = deps;
  const changed = (accountId: string) => deps.onChange?.(accountId);

  const toDto = (row: WebhookRow): WebhookDto => ({
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    status: row.status,
    health: webhookHealth(row.status, row.consecutiveFailures, deps.failureWarningThreshold),
    disabledReason: row.disabledReason,
    disabledAt: iso(row.disabledAt),
    verifiedAt: iso(row.verifiedAt),
    consecutiveFailures: row.consecutiveFailures,
    lastSuccessAt: iso(row.lastSuccessAt),
    lastFailureAt: iso(row.lastFailureAt),
    verifyTokenHint: row.verifyTokenHint,
    dialect: row.dialect as DialectName,
    dialectOptions: (row.dialectOptions as Record<string, unknown> | null) ?? null,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > clock.now() ? row.previousSecretExpiresAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

  /** Another account's webhook is reported exactly like a missing one. */
  async function load(accountId: string, id: string): Promise<WebhookRow> {
    const row = isWellFormedId(id, "wh") ? await db.webhook.findFirst({ where: { id, accountId } }) : null;
    if (!row) throw notFound("webhook");
    return row;
  }

  async function requireKnownEventTypes(accountId: string, names: string[]): Promise<void> {
    const unknown = await deps.eventTypes.unknownNames(accountId, names);
    if (unknown.length > 0) {
      throw unprocessable("unknown_event_types", `unknown event types: ${unknown.join(", ")}; see GET /v1/event-types`, {
        unknown,
      });
    }
  }

  const dialectOf = (row: { dialect: string; dialectOptions: unknown }) => dialectFor(row, deps.minSecretLength);

  /** The secret to use: the customer's, checked by the dialect, or a generated one where allowed. */
  function chooseSecret(dialect: Dialect, given: string | undefined, field: string): { secret: string; generated: boolean } {
    if (given !== undefined) {
      const problem = dialect.secret.problem(given);
      if (problem) throw fieldError(field, problem);
      return { secret: given, generated: false };
    }
    const generated = dialect.secret.generate();
    if (generated === null) throw fieldError(field, `required for the ${dialect.name} dialect, whose handshake uses it`);
    return { secret: generated, generated: true };
  }

  /** Runs the dialect's handshake; a failure becomes the 422 that tells the customer what their endpoint said. */
  async function requireOwnership(dialect: Dialect, url: string, secret: string): Promise<Extract<HandshakeResult, { verified: true }>> {
    const result = await deps.verifyOwnership({ url, secret, style: dialect.handshake });
    if (result.verified) return result;
    const { verified: _verified, message, ...details } = result;
    throw unprocessable("handshake_failed", `verification handshake failed: ${message}`, details);
  }

  return {
    toDto,

    /** Stores the webhook only once its endpoint passed the dialect's handshake. */
    async create(accountId: string, input: CreateWebhookInput): Promise<WebhookDto & { secret?: string }> {
      const dialectOptions = checkDialectChoice(input.dialect, input.dialectOptions);
      const dialect = dialectOf({ dialect: input.dialect, dialectOptions });
      const { secret, generated } = chooseSecret(dialect, input.verifyToken, "body.verifyToken");
      await requireKnownEventTypes(accountId, input.eventTypes);
      await requireOwnership(dialect, input.url, secret);
      const row = await db.webhook.create({
        data: {
          id: newId("wh"),
          accountId,
          url: input.url,
          description: input.description ?? null,
          eventTypes: input.eventTypes,
          dialect: input.dialect,
          dialectOptions: dialectOptions === null ? Prisma.DbNull : (dialectOptions as Prisma.InputJsonObject),
          verifyTokenCipher: secrets.seal(secret),
          verifyTokenHint: verifyTokenHint(secret),
          verifiedAt: clock.now(),
        },
      });
      changed(accountId);
      return generated ? { ...toDto(row), secret } : toDto(row);
    },

    async list(accountId: string, page: { limit: number; cursor?: string }) {
      const after = page.cursor ? decodeCursor(page.cursor, ["id"]).id : undefined;
      // Ids are time-ordered, so newest first is id descending, and the cursor is the last id.
      const rows = await db.webhook.findMany({
        where: { accountId, ...(after ? { id: { lt: after } } : {}) },
        orderBy: { id: "desc" },
        take: page.limit + 1,
      });
      const more = rows.length > page.limit;
      const data = rows.slice(0, page.limit);
      return { data: data.map(toDto), nextCursor: more ? encodeCursor({ id: data[data.length - 1]!.id }) : null };
    },

    async get(accountId: string, id: string): Promise<WebhookDto> {
      return toDto(await load(accountId, id));
    },

    async update(accountId: string, id: string, patch: UpdateWebhookInput): Promise<WebhookDto> {
      const row = await load(accountId, id);
      if (patch.eventTypes) await requireKnownEventTypes(accountId, patch.eventTypes);
      const endpointChanged =
        (patch.url !== undefined && patch.url !== row.url) || patch.verifyToken !== undefined;
      if (endpointChanged) {
        const dialect = dialectOf(row);
        if (patch.verifyToken !== undefined) chooseSecret(dialect, patch.verifyToken, "body.verifyToken");
        await requireOwnership(dialect, patch.url ?? row.url, patch.verifyToken ?? secrets.open(row.verifyTokenCipher));
      }
      const updated = await writeOrNotFound(() => db.webhook.update({
        where: { id: row.id },
        data: {
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          // A new token set directly replaces the secret at once, ending any rotation's grace.
          ...(patch.verifyToken !== undefined
            ? {
                verifyTokenCipher: secrets.seal(patch.verifyToken),
                verifyTokenHint: verifyTokenHint(patch.verifyToken),
                previousSecretCipher: null,
                previousSecretExpiresAt: null,
              }
            : {}),
          ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(endpointChanged ? { verifiedAt: clock.now() } : {}),
        },
      }));
      changed(accountId);
      return toDto(updated);
    },

    async remove(accountId: string, id: string): Promise<void> {
      const row = await load(accountId, id);
      await writeOrNotFound(() => db.webhook.delete({ where: { id: row.id } }));
      changed(accountId);
    },

    /**
     * A new secret, shown once. The old one stays valid for `graceSeconds`: it signs beside the
     * new one where the dialect carries several signatures, and instead of it where it cannot
     * (see signingSecrets). No handshake: the URL has not changed.
     */
    async rotateSecret(accountId: string, id: string, input: RotateSecretInput) {
      const row = await load(accountId, id);
      const dialect = dialectOf(row);
      const { secret } = chooseSecret(dialect, input.secret, "body.secret");
      const now = clock.now();
      const previousSecretExpiresAt = input.graceSeconds > 0 ? new Date(now.getTime() + input.graceSeconds * 1_000) : null;
      const updated = await writeOrNotFound(() =>
        db.webhook.update({
          where: { id: row.id },
          data: {
            verifyTokenCipher: secrets.seal(secret),
            verifyTokenHint: verifyTokenHint(secret),
            previousSecretCipher: previousSecretExpiresAt ? row.verifyTokenCipher : null,
            previousSecretExpiresAt,
          },
        }),
      );
      return { secret, previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null, webhook: toDto(updated) };
    },

    /** Back to active after a disable: ownership is proved again and the failure count starts over. */
    async enable(accountId: string, id: string): Promise<WebhookDto> {
      const row = await load(accountId, id);
      await requireOwnership(dialectOf(row), row.url, secrets.open(row.verifyTokenCipher));
      const updated = await writeOrNotFound(() =>
        db.webhook.update({
          where: { id: row.id },
          data: {
            status: "active",
            disabledReason: null,
            disabledAt: null,
            consecutiveFailures: 0,
            failingSince: null,
            verifiedAt: clock.now(),
          },
        }),
      );
      changed(accountId);
      return toDto(updated);
    },

    /** Re-proves ownership on demand; on success the webhook's verifiedAt moves to now. */
    async verify(accountId: string, id: string) {
      const row = await load(accountId, id);
      const result = await requireOwnership(dialectOf(row), row.url, secrets.open(row.verifyTokenCipher));
      const updated = await writeOrNotFound(() => db.webhook.update({ where: { id: row.id }, data: { verifiedAt: clock.now() } }));
      return { verified: true as const, elapsedMs: result.elapsedMs, webhook: toDto(updated) };
    },
  };
}

/** The handshake takes seconds; the webhook may be deleted meanwhile, which is a 404, not a 500. */
async function writeOrNotFound<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isRecordGone(err)) throw notFound("webhook");
    throw err;
  }
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
