import type { Redis } from "ioredis";
import { createAccountsService, type AccountsService } from "./accounts/service";
import type { Config } from "./config";
import { createEventTypesService, type EventTypesService } from "./event-types/service";
import { createReadinessProbe } from "./health/readiness";
import { createApp } from "./http/app";
import { buildOpenApiDocument } from "./http/openapi";
import { accountRoutes } from "./http/routes/accounts";
import { eventTypeRoutes } from "./http/routes/event-types";
import { systemRoutes } from "./http/routes/system";
import { webhookRoutes } from "./http/routes/webhooks";
import type { AnyRoute } from "./http/route";
import { systemClock, type Clock } from "./lib/clock";
import { createLogger, type Logger } from "./lib/logger";
import { createOutboundHttp, type OutboundHttp } from "./lib/outbound-http";
import { createDb, type Db } from "./lib/prisma";
import { closeRedis, createRedis } from "./lib/redis";
import { createSecretBox } from "./lib/secret-box";
import { metaHubChallenge, type OwnershipCheck } from "./webhooks/handshake";
import { createWebhooksService, type WebhooksService } from "./webhooks/service";

/**
 * The composition root: the one place where configuration becomes objects. Tests build their
 * own container with overrides (a pinned clock, a fake ownership check) instead of patching
 * modules.
 */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Db;
  redis: Redis;
  http: OutboundHttp;
  accounts: AccountsService;
  eventTypes: EventTypesService;
  webhooks: WebhooksService;
  routes: AnyRoute[];
  createApp(): ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  logger?: Logger;
  clock?: Clock;
  verifyOwnership?: OwnershipCheck;
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const db = createDb(config.databaseUrl, config.dbPoolSize);
  const redis = createRedis(config.redisUrl);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const http = createOutboundHttp({
    connectionsPerOrigin: config.connectionsPerOrigin,
    backstopTimeoutMs: config.handshakeTimeoutMs + 1_000,
  });
  const secrets = createSecretBox(config.encryptionKeys);

  const accounts = createAccountsService({ db, clock });
  const eventTypes = createEventTypesService({ db });
  const webhooks = createWebhooksService({
    db,
    clock,
    secrets,
    eventTypes,
    verifyOwnership: overrides.verifyOwnership ?? metaHubChallenge({ http, timeoutMs: config.handshakeTimeoutMs }),
    failureWarningThreshold: config.failureWarningThreshold,
  });

  const schemaOptions = { allowHttpUrls: config.allowHttpUrls, verifyTokenMinLength: config.verifyTokenMinLength };
  let openApi: unknown;
  const routes: AnyRoute[] = [
    ...systemRoutes({
      readiness: createReadinessProbe({ db, redis }),
      // Built on first request: it is the same for the life of the process.
      openApiDocument: () => (openApi ??= buildOpenApiDocument(routes)),
    }),
    ...accountRoutes(accounts),
    ...eventTypeRoutes(eventTypes),
    ...webhookRoutes(webhooks, schemaOptions),
  ];

  return {
    config,
    logger,
    clock,
    db,
    redis,
    http,
    accounts,
    eventTypes,
    webhooks,
    routes,
    createApp: () => createApp({ routes, auth: { adminKey: config.adminKey, accounts }, logger, maxRequestBytes: config.maxRequestBytes }),
    async close() {
      await Promise.allSettled([db.$disconnect(), closeRedis(redis), http.close()]);
    },
  };
}
