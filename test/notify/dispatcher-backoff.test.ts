import { describe, expect, it } from "vitest";
import { isPermanentFailure, retryDelayMs } from "../../src/notify/dispatcher.js";

const MINUTE = 60_000;

describe("retryDelayMs", () => {
  it.each([
    // attempts, full delay: 30 s doubling to a 30 min cap
    [1, 30_000],
    [2, 60_000],
    [3, 2 * MINUTE],
    [4, 4 * MINUTE],
    [5, 8 * MINUTE],
    [6, 16 * MINUTE],
    [7, 30 * MINUTE],
    [8, 30 * MINUTE],
    [1000, 30 * MINUTE],
  ])("after %i attempts waits between half of and all of %i ms", (attempts, full) => {
    expect(retryDelayMs(attempts, () => 1)).toBe(full);
    expect(retryDelayMs(attempts, () => 0)).toBe(full / 2);
    expect(retryDelayMs(attempts, () => 0.5)).toBe((full * 3) / 4);
  });

  it("treats zero or negative attempts like the first", () => {
    expect(retryDelayMs(0, () => 1)).toBe(30_000);
    expect(retryDelayMs(-3, () => 0)).toBe(15_000);
  });

  it("rounds to whole milliseconds", () => {
    expect(retryDelayMs(1, () => 1 / 3)).toBe(20_000);
    expect(retryDelayMs(1, () => 0.12345)).toBe(16_852);
  });

  it("stays within bounds with the default random source", () => {
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(3);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(MINUTE);
      expect(delay).toBeLessThanOrEqual(2 * MINUTE);
    }
  });
});

describe("isPermanentFailure", () => {
  it("follows an explicit permanent flag over the response code", () => {
    expect(isPermanentFailure({ permanent: true })).toBe(true);
    expect(isPermanentFailure({ permanent: true, responseCode: 421 })).toBe(true);
    expect(isPermanentFailure({ permanent: false, responseCode: 550 })).toBe(false);
  });

  it.each([500, 550, 554, 599])("calls a %i answer without a flag permanent", (responseCode) => {
    expect(isPermanentFailure({ responseCode })).toBe(true);
    expect(isPermanentFailure(Object.assign(new Error("rejected"), { responseCode }))).toBe(true);
  });

  it.each([421, 450, 452, 499, 600, 250])("calls a %i answer without a flag temporary", (responseCode) => {
    expect(isPermanentFailure({ responseCode })).toBe(false);
  });

  it("calls a response code that is not a number temporary", () => {
    expect(isPermanentFailure({ responseCode: "550" })).toBe(false);
    expect(isPermanentFailure({ permanent: "yes", responseCode: "550" })).toBe(false);
  });

  it("falls back to the response code when the flag is not a boolean", () => {
    expect(isPermanentFailure({ permanent: "yes", responseCode: 550 })).toBe(true);
    expect(isPermanentFailure({ permanent: 1, responseCode: 421 })).toBe(false);
  });

  it("calls plain errors and non-errors temporary", () => {
    expect(isPermanentFailure(new Error("connect ECONNREFUSED 127.0.0.1:25"))).toBe(false);
    expect(isPermanentFailure(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }))).toBe(false);
    expect(isPermanentFailure(null)).toBe(false);
    expect(isPermanentFailure(undefined)).toBe(false);
    expect(isPermanentFailure("550 no such user")).toBe(false);
    expect(isPermanentFailure(550)).toBe(false);
  });
});
