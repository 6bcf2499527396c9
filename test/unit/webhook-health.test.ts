import { webhookHealth } from "../../src/health/webhook-health";

describe("webhookHealth", () => {
  it("is healthy while consecutive failures stay below the threshold", () => {
    expect(webhookHealth("active", 0, 5)).toBe("healthy");
    expect(webhookHealth("active", 4, 5)).toBe("healthy");
  });

  it("turns to warning when consecutive failures reach the threshold", () => {
    expect(webhookHealth("active", 5, 5)).toBe("warning");
    expect(webhookHealth("active", 500, 5)).toBe("warning");
  });

  it("is disabled for a disabled webhook whatever its failures", () => {
    expect(webhookHealth("disabled", 0, 5)).toBe("disabled");
    expect(webhookHealth("disabled", 99, 5)).toBe("disabled");
  });
});
