import { chunkEvents } from "../batch";
import { unwrap } from "../call";
import type { Context } from "../client";
import { PayloadTooLargeError } from "../errors";
import { List } from "../list";
import { KEYED } from "../transport";
import type { AcceptedEvent, BatchEvent, EmitEvent, Event, EventDetail, ListEventsQuery } from "../types";

export interface EmitBatchOptions {
  /** Required with the admin key: the account the events belong to. */
  accountId?: string;
  /**
   * A key for the whole call: event i without a key of its own gets `<key>#<i>` (as the API
   * derives them), so repeating the same emitBatch replays what was accepted, chunks included.
   */
  idempotencyKey?: string;
}

const newKey = () => globalThis.crypto.randomUUID();

export class EventsResource {
  constructor(private readonly ctx: Context) {}

  /**
   * Emits one event. Without an `idempotencyKey` one is generated here, once, and sent on every
   * attempt: a retry after a lost answer replays the first answer instead of storing it twice.
   */
  emit(event: EmitEvent): Promise<AcceptedEvent> {
    const body = { ...event, idempotencyKey: event.idempotencyKey ?? newKey() };
    return unwrap(this.ctx.api.POST("/v1/events", { body, [KEYED]: true }));
  }

  /**
   * Emits events in as few requests as the batch limits allow (count and bytes), one after
   * another, and answers in the order given. Every event is keyed before the first request.
   * A failing chunk rejects the call; the chunks before it were accepted (pass `idempotencyKey`
   * to make repeating the whole call safe).
   */
  async emitBatch(events: readonly BatchEvent[], options: EmitBatchOptions = {}): Promise<AcceptedEvent[]> {
    const keyed = events.map((e, i) => ({ ...e, idempotencyKey: e.idempotencyKey ?? (options.idempotencyKey ? `${options.idempotencyKey}#${i}` : newKey()) }));
    const rest = options.accountId === undefined ? {} : { accountId: options.accountId };
    const plan = chunkEvents(keyed, rest, { maxEvents: this.ctx.maxBatchEvents, maxBytes: this.ctx.maxBatchBytes });
    if (plan.kind === "too_large") {
      throw new PayloadTooLargeError({
        status: 413,
        code: "payload_too_large",
        message: `event ${plan.index} alone makes a ${plan.bytes}-byte request, more than maxBatchBytes (${plan.maxBytes}); nothing was sent`,
        details: { index: plan.index, bytes: plan.bytes, maxBatchBytes: plan.maxBytes },
      });
    }
    const accepted: AcceptedEvent[] = [];
    for (const chunk of plan.chunks) {
      const answer = await unwrap(this.ctx.api.POST("/v1/events/batch", { body: { events: chunk, ...rest }, [KEYED]: true }));
      accepted.push(...answer.data);
    }
    return accepted;
  }

  list(query: ListEventsQuery = {}): List<Event> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/events", { params: { query: { ...query, ...(cursor ? { cursor } : {}) } } })));
  }

  get(id: string): Promise<EventDetail> {
    return unwrap(this.ctx.api.GET("/v1/events/{id}", { params: { path: { id } } }));
  }
}
