import { chunkEvents } from "../../../packages/client/src/sdk/batch";

const event = (i: number, pad = 0) => ({ type: "message.created", data: { i, pad: "x".repeat(pad) }, idempotencyKey: `k${i}` });
const bytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;

describe("emitBatch's chunking", () => {
  it("splits by count, in order", () => {
    const events = Array.from({ length: 7 }, (_, i) => event(i));
    const plan = chunkEvents(events, {}, { maxEvents: 3, maxBytes: 1_000_000 });
    expect(plan.kind).toBe("chunks");
    if (plan.kind !== "chunks") return;
    expect(plan.chunks.map((c) => c.length)).toEqual([3, 3, 1]);
    expect(plan.chunks.flat()).toEqual(events);
  });

  it("splits by the bytes of each request exactly as it is sent, accountId included", () => {
    const events = Array.from({ length: 20 }, (_, i) => event(i, 37 * i));
    const rest = { accountId: "acc_ü_1" };
    const maxBytes = 1_500;
    const plan = chunkEvents(events, rest, { maxEvents: 100, maxBytes });
    if (plan.kind !== "chunks") throw new Error("expected chunks");
    expect(plan.chunks.flat()).toEqual(events);
    for (const [n, chunk] of plan.chunks.entries()) {
      expect(bytes({ events: chunk, ...rest })).toBeLessThanOrEqual(maxBytes);
      // Greedy: the next event would not have fitted.
      const next = plan.chunks[n + 1]?.[0];
      if (next) expect(bytes({ events: [...chunk, next], ...rest })).toBeGreaterThan(maxBytes);
    }
  });

  it("fills a request to the byte exactly", () => {
    const events = [event(1), event(2)];
    const exact = bytes({ events });
    const fits = chunkEvents(events, {}, { maxEvents: 10, maxBytes: exact });
    const over = chunkEvents(events, {}, { maxEvents: 10, maxBytes: exact - 1 });
    expect(fits.kind === "chunks" && fits.chunks.length).toBe(1);
    expect(over.kind === "chunks" && over.chunks.length).toBe(2);
  });

  it("counts multi-byte characters as the bytes they are", () => {
    const e = { type: "message.created", data: { text: "é".repeat(100) } };
    const plan = chunkEvents([e, e], {}, { maxEvents: 10, maxBytes: bytes({ events: [e, e] }) - 1 });
    expect(plan.kind === "chunks" && plan.chunks.length).toBe(2);
  });

  it("names an event that no request could carry, before anything is sent", () => {
    const events = [event(0), event(1, 5_000), event(2)];
    expect(chunkEvents(events, {}, { maxEvents: 10, maxBytes: 2_000 })).toEqual({
      kind: "too_large",
      index: 1,
      bytes: bytes({ events: [events[1]] }),
      maxBytes: 2_000,
    });
  });

  it("answers no chunks for no events", () => {
    expect(chunkEvents([], {}, { maxEvents: 10, maxBytes: 100 })).toEqual({ kind: "chunks", chunks: [] });
  });
});
