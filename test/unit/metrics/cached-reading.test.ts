import { cachedReading } from "../../../src/metrics/cached-reading";

/** A reading the test settles by hand, counting how often it was started. */
function manualReading() {
  const pending: { resolve(v: number): void; reject(e: Error): void }[] = [];
  return {
    started: () => pending.length,
    read: () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })),
    resolve: (i: number, v: number) => pending[i]!.resolve(v),
    reject: (i: number) => pending[i]!.reject(new Error("down")),
  };
}

describe("cachedReading", () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 0;
  });

  it("reads once per ttl however many ask, and again after it", async () => {
    const r = manualReading();
    const get = cachedReading(r.read, { ttlMs: 5_000, timeoutMs: 1_000, now });
    const [a, b] = [get(), get()];
    r.resolve(0, 7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    clock = 4_999;
    expect(await get()).toBe(7);
    expect(r.started()).toBe(1);
    clock = 5_000;
    const c = get();
    r.resolve(1, 8);
    expect(await c).toBe(8);
    expect(r.started()).toBe(2);
  });

  it("answers null for a failed reading, and remembers that for the ttl", async () => {
    const r = manualReading();
    const get = cachedReading(r.read, { ttlMs: 5_000, timeoutMs: 1_000, now });
    const a = get();
    r.reject(0);
    expect(await a).toBeNull();
    expect(await get()).toBeNull();
    expect(r.started()).toBe(1);
  });

  it("gives up waiting after timeoutMs, and starts no second reading while the first hangs", async () => {
    const r = manualReading();
    const get = cachedReading(r.read, { ttlMs: 0, timeoutMs: 20, now });
    const started = Date.now();
    expect(await get()).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    clock = 10_000;
    expect(await get()).toBeNull();
    expect(r.started()).toBe(1);
    // The hung reading answers at last: it stands, and the next one is a fresh start.
    r.resolve(0, 3);
    await new Promise((resolve) => setImmediate(resolve));
    const next = get();
    r.resolve(1, 4);
    expect(await next).toBe(4);
    expect(r.started()).toBe(2);
  });
});
