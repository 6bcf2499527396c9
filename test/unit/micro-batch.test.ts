import { BoundedMap } from "../../src/lib/bounded-map";
import { allOrEach, microBatch } from "../../src/lib/micro-batch";
import { createSecretBox, withOpenCache } from "../../src/lib/secret-box";
import { randomBytes } from "node:crypto";

describe("microBatch", () => {
  const recorder = (answer: (items: number[]) => Promise<string[]> = async (items) => items.map((i) => `r${i}`)) => {
    const batches: number[][] = [];
    const batched = microBatch<number, string>({
      maxSize: 3,
      maxConcurrent: 1,
      run: async (items) => {
        batches.push(items);
        return answer(items);
      },
    });
    return { batches, batched };
  };

  it("sends the calls of one turn together and answers each caller with its own result", async () => {
    const { batches, batched } = recorder();
    await expect(Promise.all([batched(1), batched(2)])).resolves.toEqual(["r1", "r2"]);
    expect(batches).toEqual([[1, 2]]);
  });

  it("never puts more than maxSize items in a batch", async () => {
    const { batches, batched } = recorder();
    await expect(Promise.all([1, 2, 3, 4, 5, 6, 7].map(batched))).resolves.toEqual(["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it("holds items back while maxConcurrent batches run, then sends them together", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { batches, batched } = recorder(async (items) => {
      if (items[0] === 1) await gate;
      return items.map(String);
    });
    const first = batched(1);
    await new Promise((r) => setImmediate(r));
    const later = [batched(2), batched(3)];
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual(["1", "2", "3"]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it("rejects every caller of a failed batch, and only those", async () => {
    const { batched } = recorder(async (items) => {
      if (items.includes(2)) throw new Error("database down");
      return items.map(String);
    });
    const results = await Promise.allSettled([batched(1), batched(2), batched(3), batched(4)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected", "fulfilled"]);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe("database down");
  });

  it("rejects when run answers with the wrong number of results, rather than misattributing them", async () => {
    const { batched } = recorder(async () => ["only one"]);
    await expect(Promise.all([batched(1), batched(2)])).rejects.toThrow(/batch of 2 answered with 1/);
  });
});

describe("withOpenCache", () => {
  const box = createSecretBox([{ id: "k1", key: randomBytes(32) }]);

  it("opens what the box opens, and decrypts each sealed secret once", () => {
    let opens = 0;
    const counting = { seal: box.seal, open: (s: string) => (opens++, box.open(s)) };
    const cached = withOpenCache(counting, 2);
    const a = box.seal("secret-a");
    expect(cached.open(a)).toBe("secret-a");
    expect(cached.open(a)).toBe("secret-a");
    expect(opens).toBe(1);
  });

  it("forgets the oldest entry beyond its bound", () => {
    let opens = 0;
    const cached = withOpenCache({ seal: box.seal, open: (s: string) => (opens++, box.open(s)) }, 2);
    const [a, b, c] = ["a", "b", "c"].map((p) => box.seal(`secret-${p}`));
    [a, b, c, a].forEach((s) => cached.open(s!));
    expect(opens).toBe(4);
  });

  it("still refuses a tampered secret", () => {
    const cached = withOpenCache(box, 2);
    const sealed = box.seal("secret");
    expect(() => cached.open(sealed.slice(0, -2) + "AA")).toThrow();
  });
});

describe("allOrEach under microBatch", () => {
  it("writes a batch in one call when it can, and alone only the item that cannot be written", async () => {
    const calls: string[][] = [];
    const write = microBatch<string, void>({
      maxSize: 10,
      maxConcurrent: 1,
      run: allOrEach(async (items: string[]) => {
        calls.push(items);
        if (items.includes("bad")) throw new Error(`cannot write ${items.join(",")}`);
      }),
    });
    const ok = await Promise.allSettled([write("a"), write("b")]);
    expect(ok.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(calls).toEqual([["a", "b"]]);

    calls.length = 0;
    const mixed = await Promise.allSettled([write("c"), write("bad"), write("d")]);
    expect(mixed.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((mixed[1] as PromiseRejectedResult).reason.message).toBe("cannot write bad");
    expect(calls).toEqual([["c", "bad", "d"], ["c"], ["bad"], ["d"]]);
  });

  it("does not write a lone failed item twice", async () => {
    let calls = 0;
    const write = microBatch<string, void>({
      maxSize: 10,
      maxConcurrent: 1,
      run: allOrEach(async () => {
        calls++;
        throw new Error("down");
      }),
    });
    await expect(write("x")).rejects.toThrow("down");
    expect(calls).toBe(1);
  });
});

describe("BoundedMap", () => {
  it("drops the oldest entry once full, and not when a held key is set again", () => {
    const m = new BoundedMap<string, number>(2);
    m.set("a", 1).set("b", 2).set("a", 3);
    expect([...m.entries()]).toEqual([["a", 3], ["b", 2]]);
    m.set("c", 4);
    expect([...m.keys()]).toEqual(["b", "c"]);
  });
});
