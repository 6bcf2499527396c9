import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { DEFAULT_RETRY_SCHEDULE } from "./delivery/retry-policy";
import { parseCidr, type Cidr } from "./egress/ip";
import { parseDuration } from "./lib/duration";
import { parseRateRule, type RateRules } from "./rate-limit/policy";
import { parseKeyValueList, SAMPLER_NAMES, samplerSpec, tracesUrl, type SamplerSpec } from "./tracing/otel-env";

/**
 * The only reader of `process.env`. Everything configurable is named and validated here, so a
 * bad deployment fails at start-up with a message naming the variable, not later mid-request.
 */
const booleanFromEnv = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const encryptionKeys = z
  .string()
  .min(1)
  .transform((raw, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const part of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
      const [id, b64] = part.split(":");
      const key = Buffer.from(b64 ?? "", "base64");
      if (!id || !/^[A-Za-z0-9_-]{1,16}$/.test(id) || key.length !== 32) {
        ctx.addIssue({ code: "custom", message: "each key must be <id>:<base64 of 32 bytes>, e.g. k1:" + "A".repeat(43) + "=" });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: "custom", message: "holds no key; expected <id>:<base64 of 32 bytes>[,…]" });
      return z.NEVER;
    }
    const ids = keys.map((k) => k.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) {
      ctx.addIssue({ code: "custom", message: `key id "${duplicate}" appears twice; each key needs its own id` });
      return z.NEVER;
    }
    return keys;
  });

const duration = z.string().transform((raw, ctx) => {
  const ms = parseDuration(raw);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: 'must be a duration such as 250ms, 5s, 2m, 1h or 5d' });
    return z.NEVER;
  }
  return ms;
});

const schedule = z.string().transform((raw, ctx) => {
  const delays = raw.split(",").map((d) => parseDuration(d));
  if (delays.length === 0 || delays.some((d) => d === null)) {
    ctx.addIssue({ code: "custom", message: "must be comma-separated durations, e.g. 0,5s,30s,2m" });
    return z.NEVER;
  }
  return delays as number[];
});

const cidrList = z.string().transform((raw, ctx) => {
  const cidrs = raw.split(",").map((c) => c.trim()).filter(Boolean).map((c) => ({ text: c, cidr: parseCidr(c) }));
  const bad = cidrs.find((c) => c.cidr === null);
  if (bad) {
    ctx.addIssue({ code: "custom", message: `"${bad.text}" is not a CIDR; expected e.g. 127.0.0.0/8,::1/128` });
    return z.NEVER;
  }
  return cidrs.map((c) => c.cidr!);
});

/**
 * A PEM bundle of CA certificates, read here, once: a file that is missing, unreadable or holds
 * no valid certificate stops the start with its name, rather than failing every delivery later.
 */
const caFile = z.string().transform((path, ctx) => {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `cannot read ${path}: ${(err as Error).message}` });
    return z.NEVER;
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    ctx.addIssue({ code: "custom", message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return z.NEVER;
  }
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `${path}: certificate ${i + 1} is not valid: ${(err as Error).message}` });
      return z.NEVER;
    }
  }
  return { path, certificates: pems };
});

const proxyUrl = z.string().refine((raw) => {
  try {
    const url = new URL(raw);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && (url.pathname === "/" || url.pathname === "");
  } catch {
    return false;
  }
}, "must be an http:// or https:// proxy URL such as http://proxy.internal:3128");

const rateRule = z.string().transform((raw, ctx) => {
  const rule = parseRateRule(raw);
  if (rule && "error" in rule) {
    ctx.addIssue({ code: "custom", message: rule.error });
    return z.NEVER;
  }
  return rule;
});

/** Origins as a browser sends them in `Origin`: scheme, host and port, nothing else. */
const originList = z.string().transform((raw, ctx) => {
  const origins: string[] = [];
  for (const item of raw.split(/[\s,]+/).filter(Boolean)) {
    let url: URL | null = null;
    try {
      url = new URL(item);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== item.replace(/\/$/, "")) {
      ctx.addIssue({ code: "custom", message: `"${item}" is not an origin; expected e.g. https://dashboard.example.com (scheme, host, optional port)` });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  return origins;
});

const keyValueList = z.string().transform((raw, ctx) => {
  const parsed = parseKeyValueList(raw);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: `${parsed.error}; expected key1=value1,key2=value2` });
    return z.NEVER;
  }
  return parsed.pairs;
});

const otlpUrl = z.url({ protocol: /^https?$/, message: "must be the collector's http(s) URL, e.g. http://otel-collector:4318" });
const otlpProtocol = z.enum(["http/protobuf", "http/json", "grpc"]).refine((p) => p !== "grpc", "grpc is not built in; use http/protobuf or http/json (a collector's port 4318)");
const millis = z.coerce.number().int().min(1).max(600_000);

/**
 * OpenTelemetry's standard variables (tracing: src/tracing/), under the names the specification
 * gives them, read here like every other setting and handed to the SDK explicitly
 * (@opentelemetry/sdk-trace reads no environment; the OTLP exporters are given every option,
 * src/tracing/otlp-exporter.ts). Not supported: OTEL_EXPORTER_OTLP_CERTIFICATE and the client
 * certificate variables (a private CA goes in NODE_EXTRA_CA_CERTS), the grpc protocol, exporters
 * other than otlp. Unset endpoint: tracing is off and costs nothing.
 */
const tracingEnv = {
  OTEL_SDK_DISABLED: z.string().transform((v) => v.trim().toLowerCase() === "true").optional(),
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "none"], { message: 'must be "otlp" or "none" (hookrelay exports traces with OTLP only)' }).default("otlp"),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: millis.optional(),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: millis.optional(),
  OTEL_EXPORTER_OTLP_COMPRESSION: z.enum(["gzip", "none"]).optional(),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: z.enum(["gzip", "none"]).optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList.prefault(""),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLER_NAMES).default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.string().optional(),
  OTEL_BSP_SCHEDULE_DELAY: millis.default(5_000),
  OTEL_BSP_EXPORT_TIMEOUT: millis.default(30_000),
  OTEL_BSP_MAX_QUEUE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(512),
  HOOKRELAY_TRACE_PROPAGATE_TO_RECEIVERS: booleanFromEnv.default(false),
};

export interface TracingConfig {
  /** Where and how spans are sent; null: tracing is off (no endpoint, OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none). */
  exporter: { url: string; protocol: "http/protobuf" | "http/json"; headers: Record<string, string>; timeoutMs: number; compression: "gzip" | "none" } | null;
  /** OTEL_SERVICE_NAME; unset, each side names itself (hookrelay-api, hookrelay-worker). */
  serviceName: string | undefined;
  resourceAttributes: Record<string, string>;
  sampler: SamplerSpec;
  batch: { scheduledDelayMs: number; exportTimeoutMs: number; maxQueueSize: number; maxExportBatchSize: number };
  /** Attempts carry `traceparent` (and `tracestate`) to receivers. */
  propagateToReceivers: boolean;
}

type TracingEnv = z.output<z.ZodObject<typeof tracingEnv>>;

function tracingConfig(e: TracingEnv): TracingConfig {
  const sampler = samplerSpec(e.OTEL_TRACES_SAMPLER, e.OTEL_TRACES_SAMPLER_ARG);
  if ("error" in sampler) throw new ConfigError(`invalid configuration:\n  OTEL_TRACES_SAMPLER_ARG: ${sampler.error}`);
  const url = tracesUrl(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT);
  const on = url !== null && e.OTEL_SDK_DISABLED !== true && e.OTEL_TRACES_EXPORTER === "otlp";
  return {
    exporter: on
      ? {
          url,
          protocol: (e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf") as "http/protobuf" | "http/json",
          headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
          timeoutMs: e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10_000,
          compression: e.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? e.OTEL_EXPORTER_OTLP_COMPRESSION ?? "none",
        }
      : null,
    serviceName: e.OTEL_SERVICE_NAME,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES,
    sampler,
    batch: {
      scheduledDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMs: e.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
    },
    propagateToReceivers: e.HOOKRELAY_TRACE_PROPAGATE_TO_RECEIVERS,
  };
}

const envSchema = z.object({
  ...tracingEnv,
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(7780),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOOKRELAY_ADMIN_KEY: z.string().min(24, "must be at least 24 characters"),
  HOOKRELAY_ENCRYPTION_KEYS: encryptionKeys,
  HOOKRELAY_ALLOW_HTTP_URLS: booleanFromEnv.default(false),
  HOOKRELAY_VERIFY_TOKEN_MIN_LENGTH: z.coerce.number().int().min(8).max(256).default(16),
  HOOKRELAY_HANDSHAKE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  HOOKRELAY_MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(512 * 1024),
  HOOKRELAY_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default("hookrelay"),
  HOOKRELAY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  HOOKRELAY_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().min(1).max(1000).default(16),
  HOOKRELAY_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  HOOKRELAY_FAILURE_WARNING_THRESHOLD: z.coerce.number().int().min(1).max(10_000).default(5),
  HOOKRELAY_MAX_EVENT_BYTES: z.coerce.number().int().min(64).max(8 * 1024 * 1024).default(256 * 1024),
  HOOKRELAY_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(10_000).default(100),
  HOOKRELAY_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  HOOKRELAY_RETRY_SCHEDULE: schedule.prefault(DEFAULT_RETRY_SCHEDULE),
  HOOKRELAY_RETRY_JITTER: z.coerce.number().min(0).max(0.9).default(0.2),
  HOOKRELAY_RETRY_AFTER_MAX: duration.prefault("1h"),
  HOOKRELAY_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  HOOKRELAY_RESPONSE_BODY_MAX_BYTES: z.coerce.number().int().min(0).max(1024 * 1024).default(64 * 1024),
  HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: z.coerce.number().int().min(1).max(10_000).default(10),
  HOOKRELAY_DISPATCH_AHEAD: z.coerce.number().int().min(1).max(100_000).default(50),
  HOOKRELAY_DISABLE_AFTER: duration.prefault("5d"),
  HOOKRELAY_NOTICE_FAILING_COOLDOWN: duration.prefault("1h"),
  HOOKRELAY_NOTICE_EXHAUSTED_WINDOW: duration.prefault("1m"),
  HOOKRELAY_RECOVERY_INTERVAL: duration.prefault("30s"),
  HOOKRELAY_RETENTION: duration.prefault("30d"),
  HOOKRELAY_PARTITION_WIDTH: duration.prefault("1d"),
  HOOKRELAY_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(1000).default(3),
  HOOKRELAY_RETENTION_INTERVAL: duration.prefault("5m"),
  HOOKRELAY_IDEMPOTENCY_KEY_TTL: duration.prefault("24h"),
  HOOKRELAY_RECOVERY_GRACE: duration.prefault("30s"),
  HOOKRELAY_REPLAY_RATE: z.coerce.number().int().min(1).max(100_000).default(100),
  HOOKRELAY_REPLAY_BATCH: z.coerce.number().int().min(1).max(10_000).default(100),
  HOOKRELAY_REPLAY_MAX_QUEUED: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  HOOKRELAY_JOB_LOCK_DURATION: duration.prefault("10s"),
  HOOKRELAY_STALLED_INTERVAL: duration.prefault("2s"),
  HOOKRELAY_MAX_STALLED_COUNT: z.coerce.number().int().min(1).max(1000).default(10),
  // Above the default 5 s delivery timeout: a worker only cut off from Redis (or stalled) has
  // finished its attempt before another takes the job, so a partition sends nothing twice.
  HOOKRELAY_WORKER_LIVENESS_TTL: duration.prefault("6s"),
  HOOKRELAY_AUTH_CACHE_TTL: duration.prefault("5s"),
  HOOKRELAY_INGEST_CACHE_TTL: duration.prefault("1s"),
  HOOKRELAY_EGRESS_ALLOW_CIDRS: cidrList.prefault(""),
  HOOKRELAY_EGRESS_PROXY: proxyUrl.optional(),
  HOOKRELAY_EGRESS_CA_FILE: caFile.optional(),
  HOOKRELAY_RATE_LIMIT: rateRule.prefault("100/s"),
  HOOKRELAY_INGEST_RATE_LIMIT: rateRule.prefault("1000/s"),
  HOOKRELAY_ADMIN_RATE_LIMIT: rateRule.prefault("1000/s"),
  // All keys of an account together: three keys' worth, so a key rotation (two keys live for
  // the grace period) or a few services never notice, while fifty keys buy nothing more.
  HOOKRELAY_ACCOUNT_RATE_LIMIT: rateRule.prefault("300/s"),
  HOOKRELAY_ACCOUNT_INGEST_RATE_LIMIT: rateRule.prefault("3000/s"),
  HOOKRELAY_RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(1_000).default(50),
  HOOKRELAY_PORTAL_SESSION_TTL: duration.prefault("12h"),
  HOOKRELAY_PORTAL_LINK_TTL: duration.prefault("15m"),
  HOOKRELAY_PORTAL_FRAME_ANCESTORS: originList.prefault(""),
  HOOKRELAY_PORTAL_URL: z.url({ protocol: /^https?$/, message: "must be the http(s) URL the portal is reached at, e.g. https://hooks.example.com" }).optional(),
  HOOKRELAY_PORTAL_DIR: z.string().optional(),
  HOOKRELAY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOOKRELAY_METRICS_HOST: z.string().optional(),
  HOOKRELAY_METRICS_ON_API: booleanFromEnv.default(false),
  HOOKRELAY_METRICS_ACCOUNT_LABEL: booleanFromEnv.default(false),
});

export interface Config {
  env: "development" | "test" | "production";
  databaseUrl: string;
  redisUrl: string;
  host: string;
  port: number;
  logLevel: string;
  adminKey: string;
  encryptionKeys: { id: string; key: Buffer }[];
  allowHttpUrls: boolean;
  verifyTokenMinLength: number;
  handshakeTimeoutMs: number;
  maxRequestBytes: number;
  queuePrefix: string;
  workerConcurrency: number;
  connectionsPerOrigin: number;
  dbPoolSize: number;
  /** Consecutive failures at which a webhook's health turns to "warning". */
  failureWarningThreshold: number;
  /** How far apart a webhook's webhook.failing notices are, at least; its delivery.exhausted ones (src/operational/policy.ts). */
  noticeFailingCooldownMs: number;
  noticeExhaustedWindowMs: number;
  maxEventBytes: number;
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** Delay before each attempt of a chain; its length is the number of attempts. */
  retryScheduleMs: number[];
  retryJitter: number;
  retryAfterMaxMs: number;
  deliveryTimeoutMs: number;
  responseBodyMaxBytes: number;
  maxInFlightPerWebhook: number;
  /**
   * Dispatched attempts that may wait in BullMQ's queue for a worker: enough to keep workers
   * busy between dispatches, few enough that what another account queues next is not behind
   * a long line.
   */
  dispatchAhead: number;
  /** A webhook failing without a success for this long is disabled. */
  disableAfterMs: number;
  /** How often the worker looks for due deliveries whose job was lost, and how late one must be. */
  recoveryIntervalMs: number;
  /**
   * Data lifecycle (src/retention/): events, deliveries and attempts are kept `retentionMs` (an
   * account may set its own, in days), in partitions `partitionWidthMs` wide made
   * `partitionsAhead` widths ahead; the workers' pass runs every `retentionIntervalMs`. An
   * idempotency key is remembered for `idempotencyKeyTtlMs` (at most the retention).
   */
  retention: { retentionMs: number; partitionWidthMs: number; partitionsAhead: number; intervalMs: number; idempotencyKeyTtlMs: number };
  recoveryGraceMs: number;
  /**
   * Bulk replays (src/replay/): deliveries restarted per second per replay, at most `batchSize`
   * per transaction, and none while the webhook has `maxQueued` waiting or in flight in the scheduler.
   */
  replay: { ratePerSec: number; batchSize: number; maxQueued: number };
  /**
   * BullMQ's job lock and stall check (src/delivery/worker.ts): a job whose worker stopped
   * renewing its lock runs again once the lock has expired and the next check finds it
   * (a job found so more than `maxStalledCount` times fails, and is queued again a minute later).
   */
  jobLockMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** A worker process not heard from (its heartbeat) for this long is dead: its slots are taken back (src/scheduler/lua.ts, reap). */
  workerLivenessMs: number;
  /** How long an API process trusts a key it has checked (a revoked key works this long at most). */
  authCacheMs: number;
  /**
   * How long an API process reuses its lookup of an account's event types and subscribed
   * webhooks; a webhook created or enabled through another API process gets events this late at most.
   */
  ingestLookupCacheMs: number;
  /** Ranges outbound requests may reach although the egress policy refuses them (local development). */
  egressAllowCidrs: Cidr[];
  /** Every outbound connection is tunnelled through this proxy, when set. */
  egressProxyUrl: string | undefined;
  /** CA certificates (PEM) trusted for receivers besides Node's roots, from HOOKRELAY_EGRESS_CA_FILE. */
  egressCaCertificates: string[] | undefined;
  /** Per-key and per-account API limits (null: unlimited); counted in Redis. */
  rateLimits: RateRules;
  /** The most the limiter may delay a request waiting for Redis before letting it through. */
  rateLimitTimeoutMs: number;
  portal: {
    /** How long a portal session lasts once its link is opened (a session may ask for less or more). */
    sessionTtlMs: number;
    /** How long a magic link may wait to be opened. */
    linkTtlMs: number;
    /** Origins whose pages may frame the portal; none: it refuses to be framed by any other. */
    frameAncestors: string[];
    /** Where users reach the API's /portal (behind a proxy); the request's own origin when unset. */
    publicUrl: string | undefined;
    /** The built portal (vite build); dist/portal next to the compiled code when unset. */
    dir: string | undefined;
  };
  /** Prometheus metrics (src/metrics/). On when `port` is set or `onApi`; off (no registry, no cost) otherwise. */
  metrics: {
    /** The metrics listener's own port (0: any free one); null: no listener. */
    port: number | null;
    host: string;
    /** Also answer GET /metrics on the API's own port. */
    onApi: boolean;
    /** Label attempts and created deliveries by account: one series per account, so off by default. */
    accountLabel: boolean;
  };
  /** OpenTelemetry tracing (src/tracing/): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=`) means "not set", as in most tools, not "zero" or "invalid".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  // BullMQ renews a job's lock every half of it, however long the attempt takes; the bound is for
  // when renewals stop getting through (the worker's BullMQ connection cut, its event loop
  // stalled). A lock that outlives the longest attempt has the attempt over, and its outcome
  // written to Postgres, before the stall check can hand the job to another worker, whose rerun
  // then finds the attempt made instead of sending it alongside one still in flight.
  if (e.HOOKRELAY_JOB_LOCK_DURATION <= e.HOOKRELAY_DELIVERY_TIMEOUT_MS) {
    throw new ConfigError(`invalid configuration:\n  HOOKRELAY_JOB_LOCK_DURATION: must be longer than HOOKRELAY_DELIVERY_TIMEOUT_MS (${e.HOOKRELAY_DELIVERY_TIMEOUT_MS} ms)`);
  }
  if (e.HOOKRELAY_WORKER_LIVENESS_TTL < 1_000) {
    // The heartbeat goes every third of it: a shorter one would count a busy worker's late timer as its death.
    throw new ConfigError("invalid configuration:\n  HOOKRELAY_WORKER_LIVENESS_TTL: must be at least 1s");
  }
  if (e.HOOKRELAY_STALLED_INTERVAL < 100) throw new ConfigError("invalid configuration:\n  HOOKRELAY_STALLED_INTERVAL: must be at least 100ms");
  // A width of milliseconds would make a partition per row; a retention under one width keeps nothing whole.
  if (e.HOOKRELAY_PARTITION_WIDTH < 1_000) throw new ConfigError("invalid configuration:\n  HOOKRELAY_PARTITION_WIDTH: must be at least 1s");
  if (e.HOOKRELAY_RETENTION < e.HOOKRELAY_PARTITION_WIDTH) {
    throw new ConfigError("invalid configuration:\n  HOOKRELAY_RETENTION: must be at least HOOKRELAY_PARTITION_WIDTH");
  }
  if (e.HOOKRELAY_RETENTION_INTERVAL < 100) throw new ConfigError("invalid configuration:\n  HOOKRELAY_RETENTION_INTERVAL: must be at least 100ms");
  return {
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    adminKey: e.HOOKRELAY_ADMIN_KEY,
    encryptionKeys: e.HOOKRELAY_ENCRYPTION_KEYS,
    allowHttpUrls: e.HOOKRELAY_ALLOW_HTTP_URLS,
    verifyTokenMinLength: e.HOOKRELAY_VERIFY_TOKEN_MIN_LENGTH,
    handshakeTimeoutMs: e.HOOKRELAY_HANDSHAKE_TIMEOUT_MS,
    maxRequestBytes: e.HOOKRELAY_MAX_REQUEST_BYTES,
    queuePrefix: e.HOOKRELAY_QUEUE_PREFIX,
    workerConcurrency: e.HOOKRELAY_WORKER_CONCURRENCY,
    connectionsPerOrigin: e.HOOKRELAY_CONNECTIONS_PER_ORIGIN,
    dbPoolSize: e.HOOKRELAY_DB_POOL_SIZE,
    failureWarningThreshold: e.HOOKRELAY_FAILURE_WARNING_THRESHOLD,
    noticeFailingCooldownMs: e.HOOKRELAY_NOTICE_FAILING_COOLDOWN,
    noticeExhaustedWindowMs: e.HOOKRELAY_NOTICE_EXHAUSTED_WINDOW,
    maxEventBytes: e.HOOKRELAY_MAX_EVENT_BYTES,
    maxBatchEvents: e.HOOKRELAY_MAX_BATCH_EVENTS,
    maxBatchBytes: e.HOOKRELAY_MAX_BATCH_BYTES,
    retryScheduleMs: e.HOOKRELAY_RETRY_SCHEDULE,
    retryJitter: e.HOOKRELAY_RETRY_JITTER,
    retryAfterMaxMs: e.HOOKRELAY_RETRY_AFTER_MAX,
    deliveryTimeoutMs: e.HOOKRELAY_DELIVERY_TIMEOUT_MS,
    responseBodyMaxBytes: e.HOOKRELAY_RESPONSE_BODY_MAX_BYTES,
    maxInFlightPerWebhook: e.HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK,
    dispatchAhead: e.HOOKRELAY_DISPATCH_AHEAD,
    disableAfterMs: e.HOOKRELAY_DISABLE_AFTER,
    recoveryIntervalMs: e.HOOKRELAY_RECOVERY_INTERVAL,
    retention: {
      retentionMs: e.HOOKRELAY_RETENTION,
      partitionWidthMs: e.HOOKRELAY_PARTITION_WIDTH,
      partitionsAhead: e.HOOKRELAY_PARTITIONS_AHEAD,
      intervalMs: e.HOOKRELAY_RETENTION_INTERVAL,
      idempotencyKeyTtlMs: Math.min(e.HOOKRELAY_IDEMPOTENCY_KEY_TTL, e.HOOKRELAY_RETENTION),
    },
    recoveryGraceMs: e.HOOKRELAY_RECOVERY_GRACE,
    replay: { ratePerSec: e.HOOKRELAY_REPLAY_RATE, batchSize: e.HOOKRELAY_REPLAY_BATCH, maxQueued: e.HOOKRELAY_REPLAY_MAX_QUEUED },
    jobLockMs: e.HOOKRELAY_JOB_LOCK_DURATION,
    stalledIntervalMs: e.HOOKRELAY_STALLED_INTERVAL,
    maxStalledCount: e.HOOKRELAY_MAX_STALLED_COUNT,
    workerLivenessMs: e.HOOKRELAY_WORKER_LIVENESS_TTL,
    authCacheMs: e.HOOKRELAY_AUTH_CACHE_TTL,
    ingestLookupCacheMs: e.HOOKRELAY_INGEST_CACHE_TTL,
    egressAllowCidrs: e.HOOKRELAY_EGRESS_ALLOW_CIDRS,
    egressProxyUrl: e.HOOKRELAY_EGRESS_PROXY,
    egressCaCertificates: e.HOOKRELAY_EGRESS_CA_FILE?.certificates,
    rateLimits: {
      api: e.HOOKRELAY_RATE_LIMIT,
      ingest: e.HOOKRELAY_INGEST_RATE_LIMIT,
      admin: e.HOOKRELAY_ADMIN_RATE_LIMIT,
      accountApi: e.HOOKRELAY_ACCOUNT_RATE_LIMIT,
      accountIngest: e.HOOKRELAY_ACCOUNT_INGEST_RATE_LIMIT,
    },
    rateLimitTimeoutMs: e.HOOKRELAY_RATE_LIMIT_TIMEOUT_MS,
    portal: {
      sessionTtlMs: e.HOOKRELAY_PORTAL_SESSION_TTL,
      linkTtlMs: e.HOOKRELAY_PORTAL_LINK_TTL,
      frameAncestors: e.HOOKRELAY_PORTAL_FRAME_ANCESTORS,
      publicUrl: e.HOOKRELAY_PORTAL_URL?.replace(/\/+$/, ""),
      dir: e.HOOKRELAY_PORTAL_DIR,
    },
    metrics: {
      port: e.HOOKRELAY_METRICS_PORT ?? null,
      host: e.HOOKRELAY_METRICS_HOST ?? e.HOST,
      onApi: e.HOOKRELAY_METRICS_ON_API,
      accountLabel: e.HOOKRELAY_METRICS_ACCOUNT_LABEL,
    },
    tracing: tracingConfig(e),
  };
}

/** Only the keyring is needed to re-encrypt stored secrets (`hookrelay secrets rotate`). */
export function loadEncryptionKeys(env: NodeJS.ProcessEnv = process.env): Config["encryptionKeys"] {
  if (!env.HOOKRELAY_ENCRYPTION_KEYS) {
    throw new ConfigError("invalid configuration:\n  HOOKRELAY_ENCRYPTION_KEYS: required, the new key first: <id>:<base64 of 32 bytes>[,…]");
  }
  const parsed = envSchema.shape.HOOKRELAY_ENCRYPTION_KEYS.safeParse(env.HOOKRELAY_ENCRYPTION_KEYS);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n  HOOKRELAY_ENCRYPTION_KEYS: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Only the database is needed to migrate; the CLI must not demand API secrets for it. */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = envSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!parsed.success) throw new ConfigError("invalid configuration:\n  DATABASE_URL: must be a postgres:// URL");
  return parsed.data;
}
