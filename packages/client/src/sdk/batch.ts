/**
 * How emitBatch splits events into requests: pure, so the limits are tested without a server.
 * Each chunk holds at most `maxEvents` events and its request body, serialised exactly as it
 * will be sent (`JSON.stringify({ events, ...rest })`), is at most `maxBytes` bytes of UTF-8.
 */
export interface ChunkLimits {
  maxEvents: number;
  maxBytes: number;
}

export type Chunking<E> = { kind: "chunks"; chunks: E[][] } | { kind: "too_large"; index: number; bytes: number; maxBytes: number };

const utf8 = new TextEncoder();
const byteLength = (text: string) => utf8.encode(text).length;

/**
 * Greedy, in order: events keep their order across chunks, so answers concatenate back in the
 * order given. `rest` is the body's other fields (accountId), which every request repeats.
 * An event that does not fit a request even alone is reported, and nothing is sent.
 */
export function chunkEvents<E>(events: readonly E[], rest: Record<string, unknown>, limits: ChunkLimits): Chunking<E> {
  if (!(limits.maxEvents >= 1)) throw new RangeError(`maxBatchEvents must be at least 1, not ${limits.maxEvents}`);
  // `{"events":[],…rest}`: what a request costs before its events; each event adds its own
  // JSON, and every one after the first a comma.
  const overhead = byteLength(JSON.stringify({ events: [], ...rest }));
  const chunks: E[][] = [];
  let current: E[] = [];
  let bytes = overhead;
  for (const [index, event] of events.entries()) {
    const size = byteLength(JSON.stringify(event));
    if (overhead + size > limits.maxBytes) return { kind: "too_large", index, bytes: overhead + size, maxBytes: limits.maxBytes };
    if (current.length > 0 && (current.length >= limits.maxEvents || bytes + size + 1 > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += current.length === 0 ? size : size + 1;
    current.push(event);
  }
  if (current.length > 0) chunks.push(current);
  return { kind: "chunks", chunks };
}
