import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { DrainLoop } from "../../src/platform/work/DrainLoop.js";

describe("DrainLoop", () => {
  it("coalesces kicks during a run into one more run", async () => {
    let runs = 0;
    let release!: () => void;
    const loop = new DrainLoop(
      async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
      { name: "t", logger: createLogger("silent"), maxDelayMs: 10 },
    );
    loop.kick();
    loop.kick();
    loop.kick();
    release();
    await loop.idle();
    expect(runs).toBe(2);
    await loop.stop();
  });

  it("retries a failing drain until it succeeds", async () => {
    let attempts = 0;
    const loop = new DrainLoop(
      async () => {
        attempts += 1;
        if (attempts < 3) throw Object.assign(new Error("down"), { code: "ECONNREFUSED" });
      },
      { name: "t", logger: createLogger("silent"), maxDelayMs: 5, initialDelayMs: 1 },
    );
    loop.kick();
    await expect.poll(() => attempts, { timeout: 2000 }).toBe(3);
    await loop.stop();
  });
});
