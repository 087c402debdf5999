import { describe, expect, it } from "vitest";
import { loginSource } from "../../src/platform/accounts/loginSource.js";
import { LoginThrottle } from "../../src/platform/accounts/LoginThrottle.js";

describe("login sources", () => {
  it("are IPv4 addresses (mapped ones too) and IPv6 /64s", () => {
    expect(loginSource("203.0.113.7")).toBe("203.0.113.7");
    expect(loginSource("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(loginSource("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(loginSource("2001:0DB8:0000:0000:ffff::2")).toBe("2001:db8:0:0::/64");
    expect(loginSource("2001:db8:0:1::1")).toBe("2001:db8:0:1::/64");
    expect(loginSource("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(loginSource("::1")).toBe("0:0:0:0::/64");
    expect(loginSource("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
  });
});

describe("LoginThrottle", () => {
  it("refuses a source past its allowance with a doubling wait, capped at the window, and forgets it after a quiet window", () => {
    let now = 0;
    const throttle = new LoginThrottle({ perSource: 2, windowMs: 10 * 60_000, sourceBackoffMs: 60_000, now: () => now });
    throttle.recordFailure("a", "s");
    expect(throttle.decide("a", "s")).toEqual({ kind: "proceed", delayMs: 0 });
    throttle.recordFailure("a", "s");
    expect(throttle.decide("a", "s")).toEqual({ kind: "refuse", retryAfterSeconds: 60 });
    expect(throttle.decide("a", "other")).toEqual({ kind: "proceed", delayMs: 0 });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = throttle.decide("a", "s");
      if (decision.kind === "refuse") waits.push(decision.retryAfterSeconds);
      now += (decision.kind === "refuse" ? decision.retryAfterSeconds : 0) * 1000;
      throttle.recordFailure("a", "s");
    }
    expect(waits).toEqual([60, 120, 240, 480, 600, 600]);
    now += 10 * 60_000 + 1;
    expect(throttle.decide("a", "s")).toEqual({ kind: "proceed", delayMs: 0 });
  });

  it("slows an account down past its ceiling, growing to a cap; a success resets only its own source", () => {
    const throttle = new LoginThrottle({ perSource: 1000, perAccount: 10, accountDelayMs: 500, maxAccountDelayMs: 5000, now: () => 0 });
    const delay = () => (throttle.decide("a", "x") as { delayMs: number }).delayMs;
    for (let i = 0; i < 9; i++) throttle.recordFailure("a", `s${i}`);
    expect(delay()).toBe(0);
    throttle.recordFailure("a", "s9");
    expect(delay()).toBe(500);
    for (let i = 0; i < 10; i++) throttle.recordFailure("a", "t");
    expect(delay()).toBe(1000);
    for (let i = 0; i < 100; i++) throttle.recordFailure("a", "t");
    expect(delay()).toBe(5000);
    throttle.recordSuccess("a", "t");
    expect(delay()).toBe(5000);
    expect(throttle.decide("b", "t")).toEqual({ kind: "proceed", delayMs: 0 });
  });

  it("holds a bounded number of counters however many sources and accounts fail", () => {
    const throttle = new LoginThrottle({ maxEntries: 100, now: () => 0 });
    for (let i = 0; i < 5000; i++) throttle.recordFailure(`account${i % 300}`, `10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(200);
    // The most recent counters are the ones kept.
    for (let i = 0; i < 5; i++) throttle.recordFailure("victim", "10.9.9.9");
    expect(throttle.decide("victim", "10.9.9.9").kind).toBe("refuse");
  });
});
