import { deliveryIdFor, idFloor, idTime, isWellFormedId, newId } from "../../src/lib/ids";

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

describe("newId", () => {
  it("is the prefix, an underscore and 26 Crockford base32 characters", () => {
    const id = newId("wh");
    expect(id).toMatch(/^wh_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it.each(["acc", "key", "wh", "evt", "et", "dlv", "att"] as const)("starts with the %s prefix", (prefix) => {
    expect(newId(prefix).startsWith(`${prefix}_`)).toBe(true);
  });

  it("encodes the time in its first 10 characters", () => {
    expect(newId("evt", 0).slice(4, 14)).toBe("0000000000");
    expect(newId("evt", 1).slice(4, 14)).toBe("0000000001");
    expect(newId("evt", 32).slice(4, 14)).toBe("0000000010");
    expect(newId("evt", 2 ** 48 - 1).slice(4, 14)).toBe("7ZZZZZZZZZ");
  });

  it("sorts as a string by creation time across milliseconds", () => {
    const times = [0, 1, 31, 32, 999, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_032, 2 ** 48 - 1];
    const ids = times.map((t) => newId("dlv", t));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it("stays unique across many refills of its entropy pool", () => {
    const ids = new Set(Array.from({ length: 5_000 }, () => newId("dlv", 1_700_000_000_000)));
    expect(ids.size).toBe(5_000);
  });

  it("differs between ids made in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 100 }, () => newId("att", 1_700_000_000_000)));
    expect(ids.size).toBe(100);
  });

  it("increases within one millisecond, so ids made together sort in the order they were made", () => {
    const ids = Array.from({ length: 1_000 }, () => newId("dlv", 1_700_000_000_005));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1_000);
    // …and they still carry that millisecond.
    expect(new Set(ids.map((id) => id.slice(4, 14))).size).toBe(1);
  });

  it("uses only Crockford characters in its random part", () => {
    for (let i = 0; i < 100; i++) expect(newId("key").slice(14)).toMatch(CROCKFORD);
  });
});

describe("isWellFormedId", () => {
  it("accepts an id made by newId with the same prefix", () => {
    expect(isWellFormedId(newId("wh"), "wh")).toBe(true);
  });

  it("refuses an id of another kind", () => {
    expect(isWellFormedId(newId("evt"), "wh")).toBe(false);
    expect(isWellFormedId(newId("et"), "evt")).toBe(false);
  });

  it.each([
    ["an empty string", ""],
    ["the prefix alone", "wh_"],
    ["one character short", "wh_" + "0".repeat(25)],
    ["one character long", "wh_" + "0".repeat(27)],
    ["lowercase characters", "wh_" + "a".repeat(26)],
    ["the excluded letter I", "wh_" + "I".repeat(26)],
    ["the excluded letter U", "wh_" + "U".repeat(26)],
    ["a trailing newline", "wh_" + "0".repeat(26) + "\n"],
  ])("refuses %s", (_what, value) => {
    expect(isWellFormedId(value, "wh")).toBe(false);
  });

  it("carries its time: idTime reads it back, idFloor bounds every id made from that millisecond on", () => {
    for (const t of [0, 1_700_000_000_000, Date.UTC(2026, 11, 1, 23, 59, 59, 999), 2 ** 48 - 1]) {
      const id = newId("evt", t);
      expect(idTime(id)).toBe(t);
      expect(idFloor("evt", t) <= id).toBe(true);
      expect(id < idFloor("evt", t + 1)).toBe(true);
      expect(idTime(idFloor("evt", t))).toBe(t);
    }
  });

  it("makes a delivery's id with its event's time, whatever the clock", () => {
    const eventId = newId("evt", Date.UTC(2026, 10, 3, 23, 59, 59, 999));
    const deliveryId = deliveryIdFor(eventId);
    expect(isWellFormedId(deliveryId, "dlv")).toBe(true);
    expect(idTime(deliveryId)).toBe(idTime(eventId));
    expect(deliveryIdFor(eventId)).not.toBe(deliveryId);
  });
});
