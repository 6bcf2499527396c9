import type { EventTypesService } from "../event-types/service";
import { PAUSED_REASON } from "../health/failure-tracker";
import type { Clock } from "../lib/clock";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { notFound, unprocessable } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import { isRecordGone } from "../lib/prisma-errors";
import type { SecretBox } from "../lib/secret-box";
import { Prisma, type Webhook as WebhookRow } from "../generated/prisma/client";
import type { HandshakeResult, OwnershipCheck } from "../dialects/handshake";
import { checkDialectChoice, dialectFor } from "../dialects/registry";
import type { Dialect } from "../dialects/types";
import { AppError } from "../lib/errors";
import type { CreateWebhookInput, RotateSecretInput, UpdateWebhookInput, WebhookDto } from "./schemas";
import { liveWebhook, ownedWebhook } from "./owned";
import { createWebhookViews } from "./views";
import { verifyTokenHint } from "./verify-token";
import { clientCertificateChange, clientIdentityFor, unsavedClientIdentity } from "./client-certificate";
import type { ClientIdentity } from "../egress/client-identities";
import type { AuditContext } from "../audit/actor";
import { writeAudit } from "../audit/store";
import { createdFields, webhookChanges } from "./audit-changes";
import { notDeleted, softDelete } from "./deletion";

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
  /**
   * Resolves once the webhook's attempts in flight now have ended (bounded; src/scheduler/in-flight.ts):
   * a delete answers only then, so that nothing reaches the endpoint after it.
   */
  attemptsEnded?: (webhookId: string) => Promise<void>;
}

/** A field error in the one validation format, for checks that need the dialect to decide. */
function fieldError(field: string, message: string): AppError {
  return new AppError(400, "validation_failed", `${field}: ${message}`, { issues: [{ field, message, code: "custom" }] });
}

export function createWebhooksService(deps: WebhooksDeps) {
  const { db, clock, secrets } = deps;
  const changed = (accountId: string) => deps.onChange?.(accountId);

  const { toDto, withLastErrors, oneWithLastError } = createWebhookViews({ db, clock, failureWarningThreshold: deps.failureWarningThreshold });
  // Writes find only webhooks that are not deleted; reads (get) find those too.
  const load = (accountId: string, id: string): Promise<WebhookRow> => liveWebhook(db, accountId, id);

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
  async function requireOwnership(dialect: Dialect, url: string, secret: string, clientIdentity?: ClientIdentity): Promise<Extract<HandshakeResult, { verified: true }>> {
    const result = await deps.verifyOwnership({ url, secret, style: dialect.handshake, ...(clientIdentity ? { clientIdentity } : {}) });
    if (result.verified) return result;
    const { verified: _verified, message, ...details } = result;
    throw unprocessable("handshake_failed", `verification handshake failed: ${message}`, details);
  }

  /** The client certificate of a create or update, checked (see clientCertificateChange). */
  function clientCertificateOf(input: { clientCertificate?: string | null; clientKey?: string }) {
    const change = clientCertificateChange(input, clock.now());
    if (!change.ok) throw fieldError(change.field, change.message);
    return change.value;
  }

  return {
    toDto,

    /** Stores the webhook only once its endpoint passed the dialect's handshake. */
    async create(accountId: string, input: CreateWebhookInput, audit: AuditContext): Promise<WebhookDto & { secret?: string }> {
      const dialectOptions = checkDialectChoice(input.dialect, input.dialectOptions);
      const dialect = dialectOf({ dialect: input.dialect, dialectOptions });
      const { secret, generated } = chooseSecret(dialect, input.verifyToken, "body.verifyToken");
      const certificate = clientCertificateOf(input);
      await requireKnownEventTypes(accountId, input.eventTypes);
      const webhookId = newId("wh");
      await requireOwnership(dialect, input.url, secret, certificate ? unsavedClientIdentity(webhookId, certificate.certificate, certificate.key) : undefined);
      const row = await db.$transaction(async (tx) => {
        const created = await tx.webhook.create({
        data: {
          id: webhookId,
          accountId,
          url: input.url,
          description: input.description ?? null,
          eventTypes: input.eventTypes,
          dialect: input.dialect,
          dialectOptions: dialectOptions === null ? Prisma.DbNull : (dialectOptions as Prisma.InputJsonObject),
          verifyTokenCipher: secrets.seal(secret),
          verifyTokenHint: verifyTokenHint(secret),
          verifiedAt: clock.now(),
          clientCertificate: certificate?.certificate ?? null,
          clientKeyCipher: certificate ? secrets.seal(certificate.key) : null,
        },
        });
        await writeAudit(tx, audit, { accountId, action: "webhook.created", targetType: "webhook", targetId: created.id, changes: createdFields(created) });
        return created;
      });
      changed(accountId);
      return generated ? { ...toDto(row), secret } : toDto(row);
    },

    async list(accountId: string, page: { limit: number; cursor?: string; include?: "deleted" }) {
      const after = page.cursor ? decodeCursor(page.cursor, ["id"]).id : undefined;
      // Ids are time-ordered, so newest first is id descending, and the cursor is the last id.
      const rows = await db.webhook.findMany({
        where: { accountId, ...(page.include === "deleted" ? {} : { status: { not: "deleted" } }), ...(after ? { id: { lt: after } } : {}) },
        orderBy: { id: "desc" },
        take: page.limit + 1,
      });
      const more = rows.length > page.limit;
      const data = rows.slice(0, page.limit);
      return { data: await withLastErrors(data), nextCursor: more ? encodeCursor({ id: data[data.length - 1]!.id }) : null };
    },

    async get(accountId: string, id: string): Promise<WebhookDto> {
      return oneWithLastError(await ownedWebhook(db, accountId, id));
    },

    /**
     * A manual disable ("Pause"): nothing is sent while it lasts; deliveries that come due are
     * skipped, as for a webhook the system disabled. `enable` resumes, after a new handshake.
     */
    async pause(accountId: string, id: string, reason: string | undefined, audit: AuditContext): Promise<WebhookDto> {
      const row = await load(accountId, id);
      if (row.status === "disabled") return oneWithLastError(row);
      const updated = await writeOrNotFound(() =>
        db.$transaction(async (tx) => {
          const paused = await tx.webhook.update({ where: notDeleted(row.id), data: { status: "disabled", disabledReason: reason ? `${PAUSED_REASON}: ${reason}` : PAUSED_REASON, disabledAt: clock.now() } });
          await writeAudit(tx, audit, { accountId, action: "webhook.paused", targetType: "webhook", targetId: row.id, changes: { status: { from: row.status, to: "disabled" } }, reason: reason ?? null });
          return paused;
        }),
      );
      changed(accountId);
      return oneWithLastError(updated);
    },

    async update(accountId: string, id: string, patch: UpdateWebhookInput, audit: AuditContext): Promise<WebhookDto> {
      const row = await load(accountId, id);
      if (patch.eventTypes) await requireKnownEventTypes(accountId, patch.eventTypes);
      const certificate = clientCertificateOf(patch);
      // A new certificate is proved with a handshake like a new URL; removing one is not.
      const endpointChanged =
        (patch.url !== undefined && patch.url !== row.url) || patch.verifyToken !== undefined || Boolean(certificate);
      if (endpointChanged) {
        const dialect = dialectOf(row);
        if (patch.verifyToken !== undefined) chooseSecret(dialect, patch.verifyToken, "body.verifyToken");
        const identity = certificate
          ? unsavedClientIdentity(row.id, certificate.certificate, certificate.key)
          : certificate === null ? undefined : clientIdentityFor(row.id, row, secrets);
        await requireOwnership(dialect, patch.url ?? row.url, patch.verifyToken ?? secrets.open(row.verifyTokenCipher), identity);
      }
      const changes = webhookChanges(row, patch, (cipher) => secrets.open(cipher));
      const updated = await writeOrNotFound(() => db.$transaction(async (tx) => {
        const after = await tx.webhook.update({
        where: notDeleted(row.id),
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
          ...(certificate !== undefined
            ? { clientCertificate: certificate?.certificate ?? null, clientKeyCipher: certificate ? secrets.seal(certificate.key) : null }
            : {}),
          ...(endpointChanged ? { verifiedAt: clock.now() } : {}),
        },
        });
        // A patch that sets every field to what it was changes nothing worth an entry.
        if (Object.keys(changes).length > 0) {
          await writeAudit(tx, audit, { accountId, action: "webhook.updated", targetType: "webhook", targetId: row.id, changes });
        }
        return after;
      }));
      changed(accountId);
      return toDto(updated);
    },

    /** A soft delete (see softDelete); answers once nothing more can reach the endpoint. */
    async remove(accountId: string, id: string, audit: AuditContext): Promise<void> {
      const row = await load(accountId, id);
      await writeOrNotFound(() => softDelete(db, row, clock.now(), audit));
      changed(accountId);
      await deps.attemptsEnded?.(row.id);
    },

    /**
     * A new secret, shown once. The old one stays valid for `graceSeconds`: it signs beside the
     * new one where the dialect carries several signatures, and instead of it where it cannot
     * (see signingSecrets). No handshake: the URL has not changed.
     */
    async rotateSecret(accountId: string, id: string, input: RotateSecretInput, audit: AuditContext) {
      const row = await load(accountId, id);
      const dialect = dialectOf(row);
      const { secret } = chooseSecret(dialect, input.secret, "body.secret");
      const now = clock.now();
      const previousSecretExpiresAt = input.graceSeconds > 0 ? new Date(now.getTime() + input.graceSeconds * 1_000) : null;
      const updated = await writeOrNotFound(() =>
        db.$transaction(async (tx) => {
          const rotated = await tx.webhook.update({
            where: notDeleted(row.id),
            data: {
              verifyTokenCipher: secrets.seal(secret),
              verifyTokenHint: verifyTokenHint(secret),
              previousSecretCipher: previousSecretExpiresAt ? row.verifyTokenCipher : null,
              previousSecretExpiresAt,
            },
          });
          await writeAudit(tx, audit, {
            accountId,
            action: "webhook.secret_rotated",
            targetType: "webhook",
            targetId: row.id,
            changes: {
              secret: { changed: true },
              previousSecretExpiresAt: { from: row.previousSecretExpiresAt?.toISOString() ?? null, to: previousSecretExpiresAt?.toISOString() ?? null },
            },
          });
          return rotated;
        }),
      );
      return { secret, previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null, webhook: toDto(updated) };
    },

    /** Back to active after a disable: ownership is proved again and the failure count starts over. */
    async enable(accountId: string, id: string, audit: AuditContext): Promise<WebhookDto> {
      const row = await load(accountId, id);
      await requireOwnership(dialectOf(row), row.url, secrets.open(row.verifyTokenCipher), clientIdentityFor(row.id, row, secrets));
      const updated = await writeOrNotFound(() =>
        db.$transaction(async (tx) => {
          const enabled = await tx.webhook.update({
            where: notDeleted(row.id),
            data: {
              status: "active",
              disabledReason: null,
              disabledAt: null,
              consecutiveFailures: 0,
              failingSince: null,
              verifiedAt: clock.now(),
            },
          });
          // Enabling an active webhook only re-verifies it: nothing changed, nothing to record.
          if (row.status !== "active") {
            await writeAudit(tx, audit, {
              accountId,
              action: "webhook.enabled",
              targetType: "webhook",
              targetId: row.id,
              changes: { status: { from: row.status, to: "active" }, disabledReason: { from: row.disabledReason, to: null } },
            });
          }
          return enabled;
        }),
      );
      changed(accountId);
      return toDto(updated);
    },

    /** Re-proves ownership on demand; on success the webhook's verifiedAt moves to now. */
    async verify(accountId: string, id: string) {
      const row = await load(accountId, id);
      const result = await requireOwnership(dialectOf(row), row.url, secrets.open(row.verifyTokenCipher), clientIdentityFor(row.id, row, secrets));
      const updated = await writeOrNotFound(() => db.webhook.update({ where: notDeleted(row.id), data: { verifiedAt: clock.now() } }));
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

export type WebhooksService = ReturnType<typeof createWebhooksService>;
