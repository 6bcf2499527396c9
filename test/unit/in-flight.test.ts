import { awaitAttemptsEnded } from "../../src/scheduler/in-flight";

/** A webhook's slots as a script of readings, one per call; a clock that moves only when slept. */
function scripted(readings: string[][]) {
  let t = 0;
  let i = 0;
  const calls: number[] = [];
  return {
    fair: { inFlightMembers: async () => (calls.push(t), readings[Math.min(i++, readings.length - 1)]!) },
    opts: { timeoutMs: 1_000, pollMs: 100, sleep: async (ms: number) => void (t += ms), now: () => t },
    calls,
  };
}

describe("waiting for a webhook's attempts under way to end", () => {
  it("is done at once when no slot is held", async () => {
    const s = scripted([[]]);
    expect(await awaitAttemptsEnded(s.fair, "wh_1", s.opts)).toBe(true);
    expect(s.calls).toEqual([0]);
  });

  it("waits for each slot held at the start to be released, not for those taken later", async () => {
    const s = scripted([["a", "b"], ["b", "c"], ["c", "d"]]);
    expect(await awaitAttemptsEnded(s.fair, "wh_1", s.opts)).toBe(true);
    expect(s.calls).toEqual([0, 100, 200]);
  });

  it("does not wait again for an attempt that let its slot go and took one again (it reads again under it)", async () => {
    const s = scripted([["a", "b"], ["b"], ["a"], ["a"]]);
    expect(await awaitAttemptsEnded(s.fair, "wh_1", s.opts)).toBe(true);
    expect(s.calls).toEqual([0, 100, 200]);
  });

  it("gives up after the timeout, saying so", async () => {
    const s = scripted([["a"]]);
    expect(await awaitAttemptsEnded(s.fair, "wh_1", s.opts)).toBe(false);
    expect(s.calls.at(-1)).toBe(1_000);
  });
});
