/**
 * Turns many concurrent single-item calls into one call per batch: items asked for in the
 * same turn of the event loop (or while the previous batch is still running) go out together,
 * up to `maxSize`. Each caller still gets its own answer, or its own error, and only once the
 * batch that holds its item has finished: batching changes the number of round trips, never
 * what a caller is told or when its work is done.
 */
export interface MicroBatchOptions<I, O> {
  maxSize: number;
  /** At most this many batches run at once; further items wait and join the next one. */
  maxConcurrent: number;
  /** One answer per item, in the order given; an `ItemFailure` rejects that item's caller. */
  run(items: I[]): Promise<(O | ItemFailure)[]>;
}

/** One item's own failure inside a batch that otherwise went through. */
export class ItemFailure {
  constructor(readonly reason: unknown) {}
}

/**
 * For writes: `write` all items in one statement; if that fails (and so wrote nothing), write
 * each alone, so that one item that cannot be written fails only its own caller. Every item
 * is answered with what the statement that wrote it returned.
 */
export function allOrEach<I, O = void>(write: (items: I[]) => Promise<O>): (items: I[]) => Promise<(O | ItemFailure)[]> {
  return async (items) => {
    try {
      const out = await write(items);
      return items.map(() => out);
    } catch (err) {
      if (items.length === 1) return [new ItemFailure(err)];
      const each = await Promise.allSettled(items.map((item) => write([item])));
      return each.map((r) => (r.status === "fulfilled" ? r.value : new ItemFailure(r.reason)));
    }
  };
}

export type Batched<I, O> = (item: I) => Promise<O>;

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export function microBatch<I, O>(opts: MicroBatchOptions<I, O>): Batched<I, O> {
  let queue: Pending<I, O>[] = [];
  let running = 0;
  let scheduled = false;

  const pump = () => {
    scheduled = false;
    while (queue.length > 0 && running < opts.maxConcurrent) {
      const batch = queue.slice(0, opts.maxSize);
      queue = queue.slice(batch.length);
      running++;
      void runBatch(batch).finally(() => {
        running--;
        pump();
      });
    }
  };

  const runBatch = async (batch: Pending<I, O>[]) => {
    try {
      const results = await opts.run(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered with ${results.length} results`);
      batch.forEach((p, i) => {
        const result = results[i]!;
        if (result instanceof ItemFailure) p.reject(result.reason);
        else p.resolve(result);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Wait for the rest of this turn's callers before sending; a full batch goes at once.
      if (queue.length >= opts.maxSize) pump();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
