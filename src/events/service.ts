import type { Clock } from "../lib/clock";
import { AppError, badRequest, conflict, unprocessable } from "../lib/errors";
import { deliveryIdFor, newId } from "../lib/ids";
import { allOrEach, microBatch } from "../lib/micro-batch";
import type { Logger } from "../lib/logger";
import type { Db, Sql } from "../lib/prisma";
import { isUniqueViolation } from "../lib/prisma-errors";
import { ingestLookup, insertEventsWithDeliveries, type IngestLookup, type NewDelivery, type NewEvent } from "./event-store";
import type { LookupCache } from "./lookup-cache";
import { withPartitionsFor } from "../retention/partitions";
import { noMetrics, type Metrics } from "../metrics/metrics";
import type { EventsTrace, SpanParent, Tracing } from "../tracing/tracing";
import type { AcceptedEventDto, EventInput } from "./schemas";

/** A committed delivery that now needs an attempt, due at `dueAt`. */
export interface DeliveryToQueue {
  id: string;
  accountId: string;
  webhookId: string;
  chain: number;
  chainAttempts: number;
  dueAt: Date;
}

/** Hands new deliveries to the scheduler. Failing here loses nothing: the rows are committed. */
export type EnqueueDeliveries = (deliveries: DeliveryToQueue[]) => Promise<void>;

export interface EventsDeps {
  db: Db;
  sql: Sql;
  clock: Clock;
  logger: Logger;
  enqueue: EnqueueDeliveries;
  maxEventBytes: number;
  /** Recent lookups of event types and subscribers (shared with the webhooks service, which clears it). */
  lookups: LookupCache;
  metrics?: Metrics;
  /** A span per accepted event (src/tracing/), when given and on. */
  tracing?: Pick<Tracing, "events">;
  /** The partitions' width (src/retention/): a row that finds none gets one made around it. */
  partitionWidthMs: number;
}

interface Prepared extends EventInput {
  index: number;
  text: string;
}

type Subscribers = IngestLookup["webhooks"];

/** Requests of at most this many events commit in the small lane. */
const SMALL_REQUEST_EVENTS = 10;

export function createEventsService(deps: EventsDeps) {
  const { db } = deps;
  const metrics = deps.metrics ?? noMetrics;
  // Group commit: concurrent requests' rows go in one statement, and each request is answered
  // only once the statement holding its rows has committed (or, alone, failed). Small requests
  // and big batches commit in lanes of their own, so that a producer flushing batches of a
  // hundred never makes another account's single event wait behind its statements.
  const lane = () =>
    microBatch<{ events: NewEvent[]; deliveries: NewDelivery[] }, ReadonlySet<string>>({
      maxSize: 50,
      maxConcurrent: 3,
      run: allOrEach((items) => {
        const events = items.flatMap((i) => i.events);
        const write = () => insertEventsWithDeliveries(deps.sql, events, items.flatMap((i) => i.deliveries));
        return withPartitionsFor(deps.sql, () => events.map((e) => e.createdAt.getTime()), deps.partitionWidthMs, write);
      }),
    });
  const [smallLane, largeLane] = [lane(), lane()];
  const commit = (rows: { events: NewEvent[]; deliveries: NewDelivery[] }) => (rows.events.length <= SMALL_REQUEST_EVENTS ? smallLane : largeLane)(rows);

  async function lookup(accountId: string, types: string[]): Promise<IngestLookup> {
    const now = deps.clock.now().getTime();
    const cached = deps.lookups.get(accountId, types, now);
    if (cached) return cached;
    const found = await ingestLookup(deps.sql, accountId, types);
    deps.lookups.set(accountId, types, found, now);
    return found;
  }

  /** Validates everything before writing anything: a batch is accepted whole or not at all. */
  async function prepare(accountId: string, items: EventInput[]): Promise<{ prepared: Prepared[]; webhooks: Subscribers }> {
    const prepared = items.map((item, index) => ({ ...item, index, text: JSON.stringify(item.data) }));
    // Two events of one batch under one key could never both be stored (the key is unique per
    // account); without this check the insert failed on the index, twice, and answered 500.
    const firstWithKey = new Map<string, number>();
    for (const p of prepared) {
      if (!p.idempotencyKey) continue;
      const first = firstWithKey.get(p.idempotencyKey);
      if (first !== undefined) {
        const field = `body.events.${p.index}.idempotencyKey`;
        const message = `"${p.idempotencyKey}" is also the key of event ${first}; each event of a batch needs its own`;
        throw badRequest("validation_failed", `${field}: ${message}`, { issues: [{ field, message, code: "duplicate_idempotency_key" }] });
      }
      firstWithKey.set(p.idempotencyKey, p.index);
    }
    const tooBig = prepared.find((p) => Buffer.byteLength(p.text) > deps.maxEventBytes);
    if (tooBig) {
      throw new AppError(413, "payload_too_large", `event ${tooBig.index}: data is larger than ${deps.maxEventBytes} bytes`, {
        index: tooBig.index,
      });
    }
    const { unknownTypes: unknown, webhooks } = await lookup(accountId, [...new Set(items.map((i) => i.type))]);
    if (unknown.length > 0) {
      throw unprocessable("unknown_event_types", `unknown event types: ${unknown.join(", ")}; see GET /v1/event-types`, { unknown });
    }
    return { prepared, webhooks };
  }

  /** Answers for keys already used, in the shape of the first answer. */
  async function replays(accountId: string, items: Prepared[]): Promise<Map<string, AcceptedEventDto>> {
    const keys = items.flatMap((i) => (i.idempotencyKey ? [i.idempotencyKey] : []));
    if (keys.length === 0) return new Map();
    const used = await db.idempotencyKey.findMany({ where: { accountId, key: { in: keys } }, select: { key: true, eventId: true } });
    if (used.length === 0) return new Map();
    const eventIds = used.map((k) => k.eventId);
    const [found, counts] = await Promise.all([
      db.event.findMany({ where: { id: { in: eventIds } } }),
      db.delivery.groupBy({ by: ["eventId"], where: { eventId: { in: eventIds } }, _count: { _all: true } }),
    ]);
    // A key outlives its event only where retention is shorter than the key's TTL: it is free again.
    const gone = used.filter((k) => !found.some((e) => e.id === k.eventId));
    if (gone.length > 0) await db.idempotencyKey.deleteMany({ where: { accountId, key: { in: gone.map((k) => k.key) } } });
    const deliveriesOf = new Map(counts.map((c) => [c.eventId, c._count._all]));
    const byKey = new Map(found.map((e) => [e.idempotencyKey!, { ...e, deliveries: deliveriesOf.get(e.id) ?? 0 }]));
    const answers = new Map<string, AcceptedEventDto>();
    for (const item of items) {
      const prior = item.idempotencyKey ? byKey.get(item.idempotencyKey) : undefined;
      if (!prior) continue;
      if (prior.type !== item.type || prior.data !== item.text) {
        throw conflict(
          "idempotency_key_reused",
          `idempotency key "${item.idempotencyKey}" was already used for a different event`,
          { index: item.index, eventId: prior.id },
        );
      }
      answers.set(prior.idempotencyKey!, {
        id: prior.id,
        type: prior.type,
        createdAt: prior.createdAt.toISOString(),
        deliveries: prior.deliveries,
        idempotencyKey: prior.idempotencyKey,
      });
    }
    return answers;
  }

  /** Events and their deliveries, in one transaction; nothing is acknowledged before it commits. */
  async function store(accountId: string, items: Prepared[], webhooks: Subscribers, parent: SpanParent | undefined) {
    const now = deps.clock.now();
    const events: NewEvent[] = items.map((item) => ({
      id: newId("evt", now.getTime()),
      accountId,
      type: item.type,
      data: item.text,
      idempotencyKey: item.idempotencyKey ?? null,
      createdAt: now,
    }));
    // Null with tracing off: the rows keep a null trace context and nothing else happens.
    const traced = deps.tracing?.events(parent, accountId, events) ?? null;
    if (traced) events.forEach((e, i) => (e.traceContext = traced.traceContexts[i]));
    const candidates: NewDelivery[] = events.flatMap((e) =>
      webhooks
        .filter((w) => w.eventTypes.includes(e.type))
        .map((w) => ({ id: deliveryIdFor(e.id), accountId, webhookId: w.id, eventId: e.id, eventType: e.type, nextAttemptAt: now })),
    );
    let written: ReadonlySet<string>;
    try {
      written = await commit({ events, deliveries: candidates });
    } catch (err) {
      traced?.end({ error: err });
      throw err;
    }
    return { events, deliveries: candidates.filter((d) => written.has(d.id)), traced };
  }

  /** `parent`: the span of the API request carrying the events (src/tracing/http-server.ts), if traced. */
  async function emitMany(accountId: string, items: EventInput[], parent?: SpanParent): Promise<{ accepted: AcceptedEventDto[]; replayed: boolean }> {
    const { prepared, webhooks } = await prepare(accountId, items);
    for (let tries = 0; ; tries++) {
      const answered = await replays(accountId, prepared);
      const fresh = prepared.filter((p) => !(p.idempotencyKey && answered.has(p.idempotencyKey)));
      let stored: Awaited<ReturnType<typeof store>> | null = null;
      if (fresh.length > 0) {
        try {
          stored = await store(accountId, fresh, webhooks, parent);
        } catch (err) {
          // A concurrent call with the same key won the race; its answer is now ours to replay.
          if (isUniqueViolation(err) && tries === 0) continue;
          throw err;
        }
        // Counted once committed: a request that fails, or replays its key, accepted nothing.
        metrics.eventsAccepted(stored.events.length);
        metrics.deliveriesCreated(stored.deliveries.length, "ingest", accountId);
        await enqueueQuietly(stored.deliveries, stored.traced);
      }
      const counts = new Map<string, number>();
      for (const d of stored?.deliveries ?? []) counts.set(d.eventId, (counts.get(d.eventId) ?? 0) + 1);
      stored?.traced?.end({ deliveries: counts });
      const freshAnswers = new Map(
        (stored?.events ?? []).map((e, i) => [
          fresh[i]!.index,
          { id: e.id, type: e.type, createdAt: e.createdAt.toISOString(), deliveries: counts.get(e.id) ?? 0, idempotencyKey: e.idempotencyKey },
        ]),
      );
      const accepted = prepared.map((p) => freshAnswers.get(p.index) ?? answered.get(p.idempotencyKey!)!);
      return { accepted, replayed: fresh.length === 0 };
    }
  }

  async function enqueueQuietly(deliveries: NewDelivery[], traced: EventsTrace | null) {
    if (deliveries.length === 0) return;
    const toQueue = deliveries.map((d) => ({ id: d.id, accountId: d.accountId, webhookId: d.webhookId, chain: 0, chainAttempts: 0, dueAt: d.nextAttemptAt }));
    try {
      await (traced ? traced.enqueue(toQueue.length, () => deps.enqueue(toQueue)) : deps.enqueue(toQueue));
    } catch (err) {
      // Committed is what counts: the worker's recovery sweep enqueues what did not make it.
      deps.logger.warn({ err: err instanceof Error ? err.message : err, count: deliveries.length }, "enqueue failed; recovery will pick the deliveries up");
    }
  }

  return {
    emit: async (accountId: string, item: EventInput, parent?: SpanParent) => {
      const { accepted, replayed } = await emitMany(accountId, [item], parent);
      return { accepted: accepted[0]!, replayed };
    },
    emitMany,
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
