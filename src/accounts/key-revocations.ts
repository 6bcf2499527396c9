import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger";
import { settleWithin } from "../lib/settle-within";

/**
 * Tells every API process that keys stopped working (revoked, or rotated: a rotation changes
 * when the old key expires), so that each drops them from its auth cache at once instead of
 * trusting them for the rest of HOOKRELAY_AUTH_CACHE_TTL. Redis pub/sub, on a channel under the
 * deployment's prefix; a message is a key id, never anything secret.
 *
 * Pub/sub is at-most-once: a process whose subscriber was disconnected when a key was revoked
 * never hears of it. So on every reconnection the whole cache is dropped (a few extra database
 * reads), and while Redis is away the cache TTL remains the bound.
 */
export interface KeyRevocationsDeps {
  /** The shared client, for PUBLISH. */
  publisher: Redis;
  /** Opens the dedicated connection: a subscribed connection can run no other command. */
  connectSubscriber: () => Redis;
  prefix: string;
  logger: Logger;
  /** How long a revocation waits for PUBLISH before answering anyway. */
  publishTimeoutMs?: number;
}

export interface KeyRevocations {
  /** Announces keys that stopped working. Never throws: with Redis away the TTL bounds the cache. */
  publish(keyIds: readonly string[]): Promise<void>;
  /** Subscribes this process: `forget` for each announced key, `forgetAll` after a reconnection. */
  listen(handlers: { forget(keyId: string): void; forgetAll(): void }): void;
  close(): Promise<void>;
}

export const keyRevocationChannel = (prefix: string) => `${prefix}:api-keys:revoked`;

export function createKeyRevocations(deps: KeyRevocationsDeps): KeyRevocations {
  const channel = keyRevocationChannel(deps.prefix);
  const publishTimeoutMs = deps.publishTimeoutMs ?? 500;
  let subscriber: Redis | null = null;

  return {
    async publish(keyIds) {
      if (keyIds.length === 0) return;
      if (deps.publisher.status !== "ready") {
        deps.logger.warn({ keyIds, redis: deps.publisher.status }, "could not announce revoked API keys: other API processes trust them until their auth cache expires");
        return;
      }
      const sent = await settleWithin(Promise.all(keyIds.map((id) => deps.publisher.publish(channel, id))), publishTimeoutMs);
      if (sent !== "done") deps.logger.warn({ keyIds, outcome: sent }, "could not announce revoked API keys: other API processes trust them until their auth cache expires");
    },

    listen(handlers) {
      if (subscriber) return;
      const sub = deps.connectSubscriber();
      subscriber = sub;
      // A connection handed over already up counts as the first: only later ones mean a gap.
      let connectedBefore = sub.status === "ready";
      sub.on("error", (err: Error) => deps.logger.warn({ err: err.message }, "api key revocation subscriber: redis connection error"));
      sub.on("ready", () => {
        // ioredis subscribes again by itself (autoResubscribe); what was published meanwhile is lost.
        if (connectedBefore) handlers.forgetAll();
        connectedBefore = true;
      });
      sub.on("message", (from: string, keyId: string) => {
        if (from === channel) handlers.forget(keyId);
      });
      sub.subscribe(channel).catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "api key revocation subscriber: subscribe failed"));
    },

    async close() {
      const sub = subscriber;
      subscriber = null;
      if (!sub) return;
      // QUIT is allowed in subscriber mode; bounded, and then the socket is dropped.
      if (sub.status === "ready" && (await settleWithin(sub.quit(), 500)) === "done") return;
      sub.disconnect();
    },
  };
}

/** For processes that serve no API (workers, the CLI) and tests of the service alone. */
export const noKeyRevocations: KeyRevocations = { publish: async () => {}, listen: () => {}, close: async () => {} };
