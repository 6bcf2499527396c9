import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createAccountsService, type AccountsService } from "./accounts/service";
import { createKeyRevocations } from "./accounts/key-revocations";
import type { Config } from "./config";
import { createDeliveriesService, type DeliveriesService } from "./delivery/deliveries-service";
import type { DeliverDeps } from "./delivery/deliver";
import { createDeliveryStore } from "./delivery/store";
import { startWorkerProcess } from "./delivery/worker-process";
import { bullKeyPrefix, createDeliveryQueue, jobPublisher, schedulingEnqueuer, type DeliveryJobData } from "./delivery/queue";
import { createFairQueue, type FairQueue } from "./scheduler/fair-queue";
import { createScheduler, type Scheduler } from "./scheduler/scheduler";
import { attemptsEndedWaiter } from "./scheduler/in-flight";
import { createTestEventSender } from "./delivery/test-event";
import { createSignatureCheck } from "./delivery/signature-check";
import { createEventLog } from "./events/event-log";
import { createPortalSessions, type PortalSessions } from "./portal/sessions";
import { portalStatic } from "./portal/static";
import { createWebhookStats } from "./stats/webhook-stats";
import { portalRoutes } from "./http/routes/portal";
import { createEventTypesService, type EventTypesService } from "./event-types/service";
import { createLookupCache } from "./events/lookup-cache";
import { createEventsService, type EventsService } from "./events/service";
import { createRetention, type Retention } from "./retention/retention";
import { purgeDeletedWebhooks } from "./webhooks/purge";
import { createReadinessProbe } from "./health/readiness";
import { createAdmission } from "./rate-limit/admission";
import { createRedisRateLimiter } from "./rate-limit/redis-limiter";
import { createApp } from "./http/app";
import { buildOpenApiDocument } from "./http/openapi";
import { accountRoutes } from "./http/routes/accounts";
import { apiKeyRoutes } from "./http/routes/api-keys";
import { deliveryRoutes } from "./http/routes/deliveries";
import { eventTypeRoutes } from "./http/routes/event-types";
import { eventRoutes } from "./http/routes/events";
import { systemRoutes } from "./http/routes/system";
import { webhookRoutes } from "./http/routes/webhooks";
import { replayRoutes } from "./http/routes/replays";
import { createReplaysService } from "./replay/service";
import { noticeRoutes } from "./http/routes/notices";
import { auditLogRoutes } from "./http/routes/audit-log";
import { createAuditLog } from "./audit/service";
import { createNoticeLog } from "./operational/notices";
import type { AnyRoute } from "./http/route";
import { systemClock, type Clock } from "./lib/clock";
import { createLogger, type Logger } from "./lib/logger";
import { createOutboundHttp, type OutboundHttp } from "./lib/outbound-http";
import { createAddressPolicy } from "./egress/address-policy";
import type { ResolveHost } from "./egress/guarded-lookup";
import { createDatabase, type Db, type Sql } from "./lib/prisma";
import { closeRedis, createRedis, redisOptionsFromUrl } from "./lib/redis";
import { createSecretBox, withOpenCache } from "./lib/secret-box";
import { settleWithin } from "./lib/settle-within";
import type { OwnershipCheck } from "./dialects/handshake";
import { createOwnershipCheck } from "./dialects/ownership";
import { createWebhooksService, type WebhooksService } from "./webhooks/service";
import { createTracing } from "./tracing/setup";
import type { Tracing } from "./tracing/tracing";
import type { Metrics } from "./metrics/metrics";
import { createProcessMetrics } from "./metrics/process-metrics";
import type { MetricsServer } from "./metrics/server";

/**
 * The composition root: the one place where configuration becomes objects. Tests build their
 * own container with overrides (a pinned clock, another ownership check) instead of patching
 * modules.
 */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Db;
  /** The pg pool under `db`, for hot paths that send their own SQL. */
  sql: Sql;
  redis: Redis;
  http: OutboundHttp;
  queue: Queue<DeliveryJobData>;
  /** What decides which delivery goes next (src/scheduler/), and its state in Redis. */
  scheduler: Scheduler;
  fairQueue: FairQueue;
  accounts: AccountsService;
  eventTypes: EventTypesService;
  webhooks: WebhooksService;
  events: EventsService;
  deliveries: DeliveriesService;
  portalSessions: PortalSessions;
  deliverDeps: DeliverDeps;
  routes: AnyRoute[];
  /** What the code counts (src/metrics/); `noMetrics` when the operator turned metrics off. */
  metrics: Metrics;
  /** Spans of requests, events and attempts (src/tracing/); the no-op version unless an OTLP endpoint is set. */
  tracing: Tracing;
  /**
   * Serves GET /metrics on HOOKRELAY_METRICS_PORT (HOOKRELAY_METRICS_HOST); null when no port
   * is set. close() stops it.
   */
  startMetricsServer(): Promise<MetricsServer | null>;
  createApp(): ReturnType<typeof createApp>;
  /**
   * Makes the time partitions around now (src/retention/), before the process writes. Workers
   * do it themselves as they start; the API calls it once, best effort: a write that finds no
   * partition makes its own.
   */
  ensurePartitions(): Promise<void>;
  /** The retention pass the workers run on a timer (src/retention/); tests and the bench run it by hand. */
  retention: Retention;
  /** Starts consuming deliveries (and the recovery sweep); resolves to a stop function. */
  startWorker(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  logger?: Logger;
  clock?: Clock;
  verifyOwnership?: OwnershipCheck;
  random?: () => number;
  /** Name resolution for outbound requests (tests map names to addresses); the system resolver otherwise. */
  resolveHost?: ResolveHost;
  /** How long a scrape's readings of Postgres and Redis are reused (5 s); tests that watch a gauge move use 0. */
  metricsCacheMs?: number;
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const tracing = createTracing(config.tracing, logger);
  const clock = overrides.clock ?? systemClock;
  const database = createDatabase(config.databaseUrl, config.dbPoolSize);
  const { db, sql } = database;
  const redis = createRedis(config.redisUrl);
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const addressPolicy = createAddressPolicy(config.egressAllowCidrs);
  const http = createOutboundHttp({
    connectionsPerOrigin: config.connectionsPerOrigin,
    backstopTimeoutMs: Math.max(config.handshakeTimeoutMs, config.deliveryTimeoutMs) + 1_000,
    egress: { policy: addressPolicy, proxyUrl: config.egressProxyUrl, resolve: overrides.resolveHost, extraCaCertificates: config.egressCaCertificates },
  });
  const secrets = createSecretBox(config.encryptionKeys);
  const queue = createDeliveryQueue(redisOptionsFromUrl(config.redisUrl), config.queuePrefix);
  // An 'error' event nobody listens to would crash the process (Redis going away, or closing
  // before the queue finished connecting); enqueue failures are handled where they happen.
  queue.on("error", (err) => logger.warn({ err: err.message }, "delivery queue error"));
  const fairQueue = createFairQueue(redis, {
    prefix: `${config.queuePrefix}:fair`,
    bullPrefix: bullKeyPrefix(config.queuePrefix),
    cap: config.maxInFlightPerWebhook,
    ahead: config.dispatchAhead,
    now: () => clock.now().getTime(),
  });
  const scheduler = createScheduler({ fair: fairQueue, publish: jobPublisher(queue), logger });
  const processMetrics = createProcessMetrics(
    config.metrics,
    { sql, redis, queue, inFlight: fairQueue.inFlightTotal, failureWarningThreshold: config.failureWarningThreshold, now: () => clock.now().getTime() },
    logger,
    overrides.metricsCacheMs,
  );
  const { metrics } = processMetrics;
  processMetrics.trackConnection("main", redis);
  queue.client.then((client) => processMetrics.trackConnection("queue", client), () => undefined);
  const enqueue = schedulingEnqueuer(scheduler, redis, 2_000);

  // Revoked keys leave every API process's auth cache at once (src/accounts/key-revocations.ts).
  const revocations = createKeyRevocations({ publisher: redis, connectSubscriber: () => createRedis(config.redisUrl, "subscriber"), prefix: config.queuePrefix, logger });
  const accounts = createAccountsService({ db, sql, clock, authCacheMs: config.authCacheMs, revocations });
  const eventTypes = createEventTypesService({ db });
  const lookups = createLookupCache(config.ingestLookupCacheMs);
  const webhooks = createWebhooksService({
    db,
    onChange: (accountId) => lookups.forget(accountId),
    clock,
    secrets,
    eventTypes,
    verifyOwnership: overrides.verifyOwnership ?? createOwnershipCheck({ http, timeoutMs: config.handshakeTimeoutMs, clock }),
    failureWarningThreshold: config.failureWarningThreshold,
    minSecretLength: config.verifyTokenMinLength,
    // A delete answers once the webhook's attempts under way have ended: within the delivery timeout and their settlement.
    attemptsEnded: attemptsEndedWaiter(fairQueue, { timeoutMs: config.deliveryTimeoutMs + 2_000, logger }),
  });
  const events = createEventsService({ db, sql, clock, logger, enqueue, maxEventBytes: config.maxEventBytes, lookups, metrics, tracing, partitionWidthMs: config.retention.partitionWidthMs });
  const retention = createRetention({ sql, clock, logger, settings: config.retention, purgeDeletedWebhooks, metrics });
  const deliveries = createDeliveriesService({ db, sql, clock, enqueue, minSecretLength: config.verifyTokenMinLength, metrics });
  const replays = createReplaysService({ sql, clock, defaultRetentionMs: config.retention.retentionMs });
  const portalSessions = createPortalSessions({ db, clock, defaultSessionTtlMs: config.portal.sessionTtlMs, linkTtlMs: config.portal.linkTtlMs });
  const attemptDeps = {
    http,
    clock,
    timeoutMs: config.deliveryTimeoutMs,
    responseBodyMaxBytes: config.responseBodyMaxBytes,
  };
  const sendTestEvent = createTestEventSender({ ...attemptDeps, db, sql, secretBox: secrets, minSecretLength: config.verifyTokenMinLength, eventTypes, metrics });
  const checkSignature = createSignatureCheck({ ...attemptDeps, db, secretBox: secrets, minSecretLength: config.verifyTokenMinLength, eventTypes });
  const noticeSignal = { nudge: () => {} };
  const deliverDeps: DeliverDeps = {
    ...attemptDeps,
    secretBox: withOpenCache(secrets, 10_000),
    // Loads and settlements of concurrent jobs share statements; a third of the pool each.
    store: createDeliveryStore(sql, { maxBatch: 100, maxConcurrent: Math.max(1, Math.floor(config.dbPoolSize / 3)) }),
    minSecretLength: config.verifyTokenMinLength,
    logger,
    random: overrides.random,
    metrics,
    tracing,
    disableAfterMs: config.disableAfterMs,
    notices: { warningThreshold: config.failureWarningThreshold, failingCooldownMs: config.noticeFailingCooldownMs, exhaustedWindowMs: config.noticeExhaustedWindowMs },
    // The worker's relay, once it runs (startWorker): notices just written go out at once.
    onNotices: () => noticeSignal.nudge(),
    policy: { scheduleMs: config.retryScheduleMs, jitter: config.retryJitter, retryAfterMaxMs: config.retryAfterMaxMs },
    scheduler,
  };

  const schemaOptions = { allowHttpUrls: config.allowHttpUrls, verifyTokenMinLength: config.verifyTokenMinLength, addressPolicy };
  let openApi: unknown;
  const routes: AnyRoute[] = [
    ...systemRoutes({
      readiness: createReadinessProbe({ db, redis }),
      // Built on first request: it is the same for the life of the process.
      openApiDocument: () => (openApi ??= buildOpenApiDocument(routes)),
    }),
    ...accountRoutes(accounts, { retentionMs: config.retention.retentionMs }),
    ...apiKeyRoutes(accounts),
    ...eventTypeRoutes(eventTypes),
    ...eventRoutes({
      events,
      eventLog: createEventLog({ db }),
      accounts,
      maxEventBytes: config.maxEventBytes,
      maxBatchEvents: config.maxBatchEvents,
      maxBatchBytes: config.maxBatchBytes,
    }),
    ...webhookRoutes(webhooks, schemaOptions, { deliveries, sendTestEvent, checkSignature, stats: createWebhookStats({ db, sql, clock }), replays }),
    ...deliveryRoutes(deliveries),
    ...replayRoutes(replays),
    ...noticeRoutes(createNoticeLog({ db })),
    ...portalRoutes({ sessions: portalSessions, accounts, publicUrl: config.portal.publicUrl }),
    ...auditLogRoutes({ auditLog: createAuditLog({ db }), accounts }),
  ];

  // Counted under the deployment's prefix (each test file has its own).
  const admit = createAdmission({
    limiter: createRedisRateLimiter(redis, { prefix: config.queuePrefix, timeoutMs: config.rateLimitTimeoutMs }),
    rules: config.rateLimits,
    logger,
    metrics,
  });

  const stoppers: (() => Promise<void>)[] = [];

  return {
    config,
    logger,
    clock,
    db,
    sql,
    redis,
    http,
    queue,
    scheduler,
    fairQueue,
    accounts,
    eventTypes,
    webhooks,
    events,
    deliveries,
    portalSessions,
    deliverDeps,
    routes,
    metrics,
    tracing,
    startMetricsServer: () => processMetrics.startServer(),
    retention,
    ensurePartitions: async () => {
      await retention.ensureAhead();
    },
    createApp: () => {
      // Only API processes check keys, so only they listen (once, however many apps a test makes).
      accounts.listenForRevocations();
      processMetrics.markRole("api");
      return createApp({
        routes,
        auth: { adminKey: config.adminKey, accounts, portalSessions },
        logger,
        maxRequestBytes: config.maxRequestBytes,
        admit,
        portal: portalStatic({ dir: config.portal.dir, frameAncestors: config.portal.frameAncestors }),
        // Off, requests are not even timed.
        metrics: processMetrics.enabled ? metrics : undefined,
        metricsEndpoint: processMetrics.apiEndpoint,
        requestSpans: tracing.httpMiddleware,
      });
    },
    async startWorker() {
      const stop = await startWorkerProcess({ config, logger, clock, sql, redis, scheduler, fairQueue, deliverDeps, enqueue, metrics, processMetrics, noticeSignal, retention });
      stoppers.push(stop);
      return stop;
    },
    async close() {
      await Promise.allSettled([...stoppers.splice(0).map((s) => s()), processMetrics.stop()]);
      // Side by side and each bounded, for the same reason as the worker's stop.
      const closeQueue = async () => {
        // BullMQ drops its listeners on close; a connection still being set up would then fail
        // with nobody listening. Let it finish first (bounded: Redis may be down).
        await settleWithin(queue.waitUntilReady(), 1_000);
        if ((await settleWithin(queue.close(), 500)) === "timed_out") await settleWithin(queue.disconnect(), 200);
      };
      await Promise.allSettled([closeQueue(), settleWithin(database.close(), 1_000), closeRedis(redis, 500), revocations.close(), settleWithin(http.close(), 1_000), settleWithin(tracing.shutdown(), 1_000)]);
    },
  };
}
