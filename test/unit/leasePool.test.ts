import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as Wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { OlmMachine, openStoreCount } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LeasePool } from "../../src/matrix/crypto/LeasePool.js";

const wasm = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm") as typeof Wasm;

/** A pool of counters that records opens and closes. */
function countingPool(maxOpen: number, idleMs = 60_000) {
  const opened: string[] = [];
  const closed: string[] = [];
  let open = 0;
  let mostOpen = 0;
  const pool = new LeasePool<string>({
    open: async (key) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      opened.push(key);
      return `value of ${key}`;
    },
    close: async (key) => {
      open -= 1;
      closed.push(key);
    },
    idleMs,
    maxOpen,
  });
  return { pool, opened, closed, mostOpen: () => mostOpen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LeasePool", () => {
  it("opens on first use, reuses while open, and closes the least recently used idle one to stay under the cap", async () => {
    const { pool, opened, closed, mostOpen } = countingPool(2);
    expect(await pool.use("a", async (v) => v)).toBe("value of a");
    await pool.use("b", async () => undefined);
    await pool.use("a", async () => undefined);
    expect(opened).toEqual(["a", "b"]);
    await pool.use("c", async () => undefined);
    // b was used least recently.
    expect(closed).toEqual(["b"]);
    expect(pool.openKeys().sort()).toEqual(["a", "c"]);
    for (let i = 0; i < 50; i++) await pool.use(`ghost${i % 7}`, async () => undefined);
    expect(mostOpen()).toBe(2);
    expect(pool.size).toBeLessThanOrEqual(2);
  });

  it("never closes a resource in use: an extra lease waits for one to end", async () => {
    const { pool, closed, mostOpen } = countingPool(2);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const a = pool.use("a", () => held);
    const b = pool.use("b", () => held);
    let cStarted = false;
    const c = pool.use("c", async () => {
      cStarted = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(cStarted).toBe(false);
    expect(closed).toEqual([]);
    release();
    await Promise.all([a, b, c]);
    expect(cStarted).toBe(true);
    expect(closed).toHaveLength(1);
    expect(mostOpen()).toBe(2);
  });

  it("closes a resource after it was idle for idleMs, and opens it again on the next use", async () => {
    vi.useFakeTimers();
    const { pool, opened, closed } = countingPool(10, 1_000);
    await pool.use("a", async () => undefined);
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).toEqual([]);
    await pool.use("a", async () => undefined);
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toEqual(["a"]);
    expect(pool.size).toBe(0);
    await pool.use("a", async () => undefined);
    expect(opened).toEqual(["a", "a"]);
  });

  it("forgets a failed opening so the next use tries again", async () => {
    let attempts = 0;
    const pool = new LeasePool<number>({
      open: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("homeserver down");
        return attempts;
      },
      close: async () => undefined,
      idleMs: 1_000,
      maxOpen: 1,
    });
    await expect(pool.use("a", async (v) => v)).rejects.toThrow("homeserver down");
    expect(await pool.use("a", async (v) => v)).toBe(2);
  });

  it("keeps real crypto stores under the cap while many ghosts use their devices in turn", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-pool-"));
    const before = openStoreCount();
    const pool = new LeasePool<OlmMachine>({
      open: (userId) => OlmMachine.initialize(new wasm.UserId(userId), new wasm.DeviceId("GHOSTDEV"), path.join(dir, userId), "pw"),
      close: (_userId, machine) => machine.shutdown(),
      idleMs: 60_000,
      maxOpen: 3,
    });
    const keys = new Map<string, string>();
    let mostOpen = 0;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 8; i++) {
        const userId = `@mirage_g${i}:example.org`;
        const key = await pool.use(userId, async (machine) => {
          mostOpen = Math.max(mostOpen, openStoreCount() - before);
          return machine.identityKeys.ed25519.toBase64();
        });
        // Closed and opened again, the device is the same one.
        if (keys.has(userId)) expect(key).toBe(keys.get(userId));
        keys.set(userId, key);
      }
    }
    expect(mostOpen).toBe(3);
    await pool.closeAll();
    expect(openStoreCount()).toBe(before);
  });
});
