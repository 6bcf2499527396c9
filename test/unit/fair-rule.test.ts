import fc from "fast-check";
import { sleepBeforeTick } from "../../src/scheduler/scheduler";
import { memberFor, parseMember, ticketFor, type Dispatched, type Ticket } from "../../src/scheduler/tickets";
import { FairModel } from "../support/fair-model";

/**
 * The scheduling rule, on its model (test/support/fair-model.ts; the Redis scripts are held to
 * the same model in test/integration/fair-queue.test.ts): accounts in turn, then an account's
 * webhooks in turn, each webhook's tickets in due order, never more than the cap in flight.
 */
const NOW = 1_000_000;
const t = (wh: string, acc: string, n: number, dueAt = NOW): Ticket => ({ member: `dlv_${wh.toUpperCase()}${String(n).padStart(5, "0")}-0-0`, webhookId: wh, accountId: acc, dueAt });

/** Queues with the workers' queue full (nothing dispatched yet), so that every backlog is in place first. */
function fill(model: FairModel, tickets: Ticket[]): void {
  const wait = model.waitLength;
  model.waitLength = model.ahead;
  model.enqueue(tickets, NOW);
  model.waitLength = wait;
}

/** Dispatches one at a time, releasing each at once: the steady state of fast endpoints. */
function drain(model: FairModel, limit = 10_000): Dispatched[] {
  const out: Dispatched[] = [];
  let step = model.tick(NOW).dispatched;
  while (step.length > 0 && out.length < limit) {
    out.push(...step);
    step = step.flatMap((d) => model.release([d], [], NOW).dispatched);
  }
  return out;
}

describe("the fair scheduling rule", () => {
  it("serves every account with due work once per round, whatever the size of the others' backlogs", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 2, maxLength: 6 }), (backlogs) => {
        const model = new FairModel(1_000, 1);
        backlogs.forEach((n, a) => fill(model, Array.from({ length: n }, (_, i) => t(`w${a}`, `acc${a}`, i))));
        const order = drain(model).map((d) => d.accountId);
        expect(order).toHaveLength(backlogs.reduce((s, n) => s + n, 0));
        // At every point, two accounts that both still have work differ by at most one service.
        const served = new Map<string, number>();
        order.forEach((acc) => {
          served.set(acc, (served.get(acc) ?? 0) + 1);
          const open = backlogs.flatMap((n, a) => ((served.get(`acc${a}`) ?? 0) < n ? [served.get(`acc${a}`) ?? 0] : []));
          if (open.length > 1) expect(Math.max(...open) - Math.min(...open)).toBeLessThanOrEqual(1);
        });
      }),
    );
  });

  it("shares an account's turns among its own webhooks in the same way", () => {
    const model = new FairModel(1_000, 1);
    fill(model, [...Array.from({ length: 50 }, (_, i) => t("big", "acc_a", i)), ...Array.from({ length: 5 }, (_, i) => t("small", "acc_a", 100 + i))]);
    fill(model, Array.from({ length: 50 }, (_, i) => t("other", "acc_b", i)));
    const order = drain(model);
    // acc_a and acc_b alternate; within acc_a, "small" gets every other turn until it is empty.
    const ofA = order.filter((d) => d.accountId === "acc_a").slice(0, 10).map((d) => d.webhookId);
    expect(ofA.filter((w) => w === "small")).toHaveLength(5);
    expect(order.slice(0, 20).filter((d) => d.accountId === "acc_b")).toHaveLength(10);
  });

  it("sends each webhook's tickets in the order they came due, first attempts in emission order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5_000, max: 0 }), { minLength: 1, maxLength: 40 }), (offsets) => {
        const model = new FairModel(3, 1);
        fill(model, offsets.map((o, i) => t("w", "acc", i, NOW + o)));
        const dues = drain(model).map((d) => NOW + offsets[Number(/(\d{5})-0-0$/.exec(d.member)![1])]!);
        expect(dues).toEqual([...dues].sort((a, b) => a - b));
      }),
    );
  });

  it("never has more than the cap of one webhook in flight; a full webhook is in no ring, so waiting costs nothing", () => {
    const model = new FairModel(10, 1_000);
    const { dispatched } = model.enqueue(Array.from({ length: 5_000 }, (_, i) => t("hung", "acc_a", i)), NOW);
    expect(dispatched).toHaveLength(10);
    expect(model.inFlight("hung")).toBe(10);
    expect(model.rings.size).toBe(0);
    expect(model.accounts.size).toBe(0);
    expect(model.timers.size).toBe(0);
    // Another account's work goes straight past it.
    expect(model.enqueue([t("fine", "acc_b", 1)], NOW).dispatched.map((d) => d.webhookId)).toEqual(["fine"]);
  });

  it("gives a freed slot to that webhook's next waiting ticket", () => {
    const model = new FairModel(1, 1_000);
    const [first] = model.enqueue([t("w", "acc", 1), t("w", "acc", 2), t("w", "acc", 3)], NOW).dispatched;
    const next = model.release([first!], [], NOW).dispatched;
    expect(next.map((d) => d.member)).toEqual([t("w", "acc", 2).member]);
  });

  it("lets a retry wait in a timer, not in a ring, until it is due", () => {
    const model = new FairModel(5, 1_000);
    const [first] = model.enqueue([t("w", "acc", 1)], NOW).dispatched;
    const retry = { ...t("w", "acc", 1), member: "dlv_W00001-0-1", dueAt: NOW + 5_000 };
    const released = model.release([first!], [retry], NOW);
    expect(released.dispatched).toEqual([]);
    expect(released.nextDueAt).toBe(NOW + 5_000);
    expect(model.tick(NOW + 4_999).dispatched).toEqual([]);
    expect(model.tick(NOW + 5_000).dispatched.map((d) => d.member)).toEqual([retry.member]);
  });

  it("lets a job that frees a slot go on with the next ticket in fair order, when no job waits for a worker", () => {
    const model = new FairModel(1, 1_000);
    fill(model, [t("a1", "acc_a", 1), t("a1", "acc_a", 2)]);
    const [first] = model.tick(NOW).dispatched;
    fill(model, [t("b1", "acc_b", 1)]);
    model.waitLength = 0; // the workers took every job
    model.locks.set("job1", "token1"); // …and this job's run holds its lock
    const released = model.release([{ ...first!, continueAs: "job1|token1" }], [], NOW);
    // acc_b has not been served yet, acc_a just was: b1's ticket is the fair next one, and the
    // job that ran a1's takes it on; a1's next goes to the queue as usual.
    expect(released.continuations[0]?.member).toBe(t("b1", "acc_b", 1).member);
    expect(model.holders.get(released.continuations[0]!.member)).toBe("job1|token1");
    expect(released.dispatched.map((d) => d.member)).toEqual([t("a1", "acc_a", 2).member]);
  });

  it("never lets a continuation overtake a job already waiting for a worker", () => {
    const model = new FairModel(5, 1_000);
    const [first] = model.enqueue([t("a1", "acc_a", 1)], NOW).dispatched;
    model.waitLength = 0;
    model.locks.set("job1", "token1");
    fill(model, [t("a1", "acc_a", 2)]);
    model.waitLength = 1; // one job still waits in the queue
    const released = model.release([{ ...first!, continueAs: "job1|token1" }], [], NOW);
    expect(released.continuations).toEqual([null]);
  });

  it("gives nothing more to a run that lost its job's lock (the job stalled to another worker, or is gone)", () => {
    const model = new FairModel(5, 1_000);
    const [first] = model.enqueue([t("a1", "acc_a", 1)], NOW).dispatched;
    model.waitLength = 0;
    fill(model, [t("a1", "acc_a", 2)]);
    model.locks.set("job1", "token2"); // another run holds it now
    expect(model.release([{ ...first!, continueAs: "job1|token1" }], [], NOW).continuations).toEqual([null]);
  });

  it("stops dispatching while the queue ahead of the workers is full", () => {
    const model = new FairModel(100, 5);
    model.waitLength = 3;
    expect(model.enqueue(Array.from({ length: 10 }, (_, i) => t("w", "acc", i)), NOW).dispatched).toHaveLength(2);
  });
});

describe("tickets", () => {
  it("name an attempt as <delivery>-<chain>-<attempt>, and read back", () => {
    const ref = { deliveryId: "dlv_01J0000000000000000000000A", chain: 2, attempt: 7 };
    expect(memberFor(ref)).toBe("dlv_01J0000000000000000000000A-2-7");
    expect(parseMember(memberFor(ref))).toEqual(ref);
    expect(parseMember("dlv_01J0000000000000000000000A-2")).toBeNull();
    expect(parseMember("wh_01J-0-0")).toBeNull();
    expect(ticketFor({ id: ref.deliveryId, chain: 2, chainAttempts: 7, webhookId: "wh_1", accountId: "acc_1" }, 5)).toEqual({
      member: "dlv_01J0000000000000000000000A-2-7",
      webhookId: "wh_1",
      accountId: "acc_1",
      dueAt: 5,
    });
  });
});

describe("the scheduler's clock", () => {
  it("sleeps until the next ticket is due, at least 5 ms and at most the idle time", () => {
    expect(sleepBeforeTick(null, 1_000, 1_000)).toBe(1_000);
    expect(sleepBeforeTick(1_250, 1_000, 1_000)).toBe(250);
    expect(sleepBeforeTick(900, 1_000, 1_000)).toBe(5);
    expect(sleepBeforeTick(99_999, 1_000, 1_000)).toBe(1_000);
  });
});
