import { z } from "zod";
import { DEFAULT_RETRY_SCHEDULE } from "./delivery/retry-policy";
import { parseCidr, type Cidr } from "./egress/ip";
import { parseDuration } from "./lib/duration";
import { parseRateRule, type RateRules } from "./rate-limit/policy";

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

const envSchema = z.object({
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
  HOOKRELAY_RECOVERY_INTERVAL: duration.prefault("30s"),
  HOOKRELAY_RECOVERY_GRACE: duration.prefault("30s"),
  HOOKRELAY_AUTH_CACHE_TTL: duration.prefault("5s"),
  HOOKRELAY_INGEST_CACHE_TTL: duration.prefault("1s"),
  HOOKRELAY_EGRESS_ALLOW_CIDRS: cidrList.prefault(""),
  HOOKRELAY_EGRESS_PROXY: proxyUrl.optional(),
  HOOKRELAY_RATE_LIMIT: rateRule.prefault("100/s"),
  HOOKRELAY_INGEST_RATE_LIMIT: rateRule.prefault("1000/s"),
  HOOKRELAY_ADMIN_RATE_LIMIT: rateRule.prefault("1000/s"),
  HOOKRELAY_RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(1_000).default(50),
  HOOKRELAY_PORTAL_SESSION_TTL: duration.prefault("12h"),
  HOOKRELAY_PORTAL_LINK_TTL: duration.prefault("15m"),
  HOOKRELAY_PORTAL_FRAME_ANCESTORS: originList.prefault(""),
  HOOKRELAY_PORTAL_URL: z.url({ protocol: /^https?$/, message: "must be the http(s) URL the portal is reached at, e.g. https://hooks.example.com" }).optional(),
  HOOKRELAY_PORTAL_DIR: z.string().optional(),
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
  recoveryGraceMs: number;
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
  /** Per-key API limits (null: unlimited); counted in Redis. */
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
    recoveryGraceMs: e.HOOKRELAY_RECOVERY_GRACE,
    authCacheMs: e.HOOKRELAY_AUTH_CACHE_TTL,
    ingestLookupCacheMs: e.HOOKRELAY_INGEST_CACHE_TTL,
    egressAllowCidrs: e.HOOKRELAY_EGRESS_ALLOW_CIDRS,
    egressProxyUrl: e.HOOKRELAY_EGRESS_PROXY,
    rateLimits: { api: e.HOOKRELAY_RATE_LIMIT, ingest: e.HOOKRELAY_INGEST_RATE_LIMIT, admin: e.HOOKRELAY_ADMIN_RATE_LIMIT },
    rateLimitTimeoutMs: e.HOOKRELAY_RATE_LIMIT_TIMEOUT_MS,
    portal: {
      sessionTtlMs: e.HOOKRELAY_PORTAL_SESSION_TTL,
      linkTtlMs: e.HOOKRELAY_PORTAL_LINK_TTL,
      frameAncestors: e.HOOKRELAY_PORTAL_FRAME_ANCESTORS,
      publicUrl: e.HOOKRELAY_PORTAL_URL?.replace(/\/+$/, ""),
      dir: e.HOOKRELAY_PORTAL_DIR,
    },
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
