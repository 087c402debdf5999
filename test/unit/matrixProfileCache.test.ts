import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { CachedMatrixProfiles, type After, type MatrixProfileFetch, type RawMatrixProfile } from "../../src/platform/people/CachedMatrixProfiles.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { LevelMatrixProfiles } from "../../src/store/LevelMatrixProfiles.js";

/* The Matrix profile cache with a fake fetcher, a fake clock and timers fired by hand: nothing here waits on wall-clock time. */

const bob = "@bob:remote.example" as MatrixUserId;
const carol = "@carol:remote.example" as MatrixUserId;
const FRESH = 1000;
const RETRY = 100;
const READ_WAIT = 50;
const FETCH_TIMEOUT = 500;

interface Call {
  userId: MatrixUserId;
  signal: AbortSignal;
  resolve(value: RawMatrixProfile | undefined): void;
  reject(error: unknown): void;
}

function world(options: { concurrency?: number; maxQueued?: number; maxPendingNotes?: number } = {}) {
  let now = 10_000;
  const timers = new Set<{ ms: number; fn: () => void }>();
  const after: After = (ms, fn) => {
    const timer = { ms, fn };
    timers.add(timer);
    return () => timers.delete(timer);
  };
  /** Fires every pending timer of `ms`. */
  const fire = (ms: number) => {
    for (const timer of [...timers]) if (timer.ms === ms && timers.delete(timer)) timer.fn();
  };
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch: MatrixProfileFetch = (userId, signal) =>
    new Promise((resolve, reject) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const settle = () => (inFlight -= 1);
      calls.push({ userId, signal, resolve: (v) => (settle(), resolve(v)), reject: (e) => (settle(), reject(e)) });
    });
  const records = new LevelMatrixProfiles(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const cache = new CachedMatrixProfiles({
    records,
    logger: createLogger("silent"),
    now: () => now,
    after,
    freshMs: FRESH,
    retryMs: RETRY,
    readWaitMs: READ_WAIT,
    fetchTimeoutMs: FETCH_TIMEOUT,
    concurrency: options.concurrency ?? 4,
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    ...(options.maxPendingNotes !== undefined ? { maxPendingNotes: options.maxPendingNotes } : {}),
  });
  cache.attachFetcher(fetch);
  const changes: string[] = [];
  cache.onChange((userId) => changes.push(userId));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  /** Waits (by turns of the event loop, not time) until `n` fetches were made. */
  const callsReach = async (n: number) => {
    for (let i = 0; i < 200 && calls.length < n; i++) await settle();
    expect(calls).toHaveLength(n);
  };
  return {
    cache,
    calls,
    records,
    changes,
    fire,
    settle,
    callsReach,
    advance: (ms: number) => (now += ms),
    now: () => now,
    maxInFlight: () => maxInFlight,
    pendingTimers: (ms: number) => [...timers].filter((t) => t.ms === ms).length,
  };
}

describe("CachedMatrixProfiles", () => {
  it("fetches a user never seen, then serves the fresh record from the cache without asking again", async () => {
    const w = world();
    const read = w.cache.get([bob]);
    await w.callsReach(1);
    w.calls[0]!.resolve({ displayName: "Bob", avatarUrl: "mxc://remote.example/abc" });
    expect((await read).get(bob)).toEqual({ displayName: "Bob", avatarUrl: "mxc://remote.example/abc" });
    w.advance(FRESH - 1);
    expect((await w.cache.get([bob, bob])).get(bob)?.displayName).toBe("Bob");
    await w.settle();
    expect(w.calls).toHaveLength(1);
    expect(w.changes).toEqual([bob]);
  });

  it("serves a stale record at once and refreshes it in the background", async () => {
    const w = world();
    const first = w.cache.get([bob]);
    await w.callsReach(1);
    w.calls[0]!.resolve({ displayName: "Bob", avatarUrl: undefined });
    await first;
    w.advance(FRESH);
    // The stale name is answered while the refresh is still under way.
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bob");
    await w.callsReach(2);
    w.calls[1]!.resolve({ displayName: "Robert", avatarUrl: undefined });
    await w.settle();
    await w.settle();
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Robert");
    expect(w.calls).toHaveLength(2);
  });

  it("answers without a user whose homeserver is slow, after the read bound, and caches the late answer", async () => {
    const w = world();
    const read = w.cache.get([bob]);
    await w.callsReach(1);
    w.fire(READ_WAIT);
    expect((await read).size).toBe(0);
    w.calls[0]!.resolve({ displayName: "Late Bob", avatarUrl: undefined });
    await w.settle();
    await w.settle();
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Late Bob");
    expect(w.calls).toHaveLength(1);
  });

  it("remembers a 404 for a while, then asks again", async () => {
    const w = world();
    const read = w.cache.get([bob]);
    await w.callsReach(1);
    w.calls[0]!.resolve(undefined);
    expect((await read).has(bob)).toBe(false);
    w.advance(RETRY - 1);
    expect((await w.cache.get([bob])).has(bob)).toBe(false);
    await w.settle();
    expect(w.calls).toHaveLength(1);
    w.advance(1);
    await w.cache.get([bob]);
    await w.callsReach(2);
  });

  it("keeps the known profile when a refresh fails, and does not ask again before the retry delay", async () => {
    const w = world();
    const first = w.cache.get([bob]);
    await w.callsReach(1);
    w.calls[0]!.resolve({ displayName: "Bob", avatarUrl: undefined });
    await first;
    w.advance(FRESH);
    await w.cache.get([bob]);
    await w.callsReach(2);
    w.calls[1]!.reject(new Error("502"));
    await w.settle();
    await w.settle();
    w.advance(RETRY - 1);
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bob");
    await w.settle();
    expect(w.calls).toHaveLength(2);
    w.advance(1);
    await w.cache.get([bob]);
    await w.callsReach(3);
  });

  it("abandons a fetch at its timeout (aborting it) and frees its slot even if the fetcher ignores the abort", async () => {
    const w = world({ concurrency: 1 });
    const read = w.cache.get([bob, carol]);
    await w.callsReach(1);
    w.fire(READ_WAIT);
    expect((await read).size).toBe(0);
    expect(w.calls[0]!.signal.aborted).toBe(false);
    w.fire(FETCH_TIMEOUT);
    expect(w.calls[0]!.signal.aborted).toBe(true);
    // The one slot goes to carol's fetch although bob's fetcher never settles.
    await w.callsReach(2);
    expect(w.calls[1]!.userId).toBe(carol);
  });

  it("runs at most `concurrency` fetches at once, one per user, the rest waiting their turn", async () => {
    const w = world({ concurrency: 2 });
    const users = Array.from({ length: 6 }, (_, i) => `@u${i}:remote.example` as MatrixUserId);
    const read = w.cache.get(users);
    void w.cache.get(users);
    await w.callsReach(2);
    await w.settle();
    expect(w.calls).toHaveLength(2);
    for (let i = 0; i < users.length; i++) {
      // Each answer lets exactly one waiting fetch start.
      await w.callsReach(Math.min(i + 2, users.length));
      w.calls[i]!.resolve({ displayName: `U${i}`, avatarUrl: undefined });
    }
    expect([...(await read).values()].map((p) => p.displayName)).toEqual(["U0", "U1", "U2", "U3", "U4", "U5"]);
    expect(w.calls.map((c) => c.userId)).toEqual(users);
    expect(w.maxInFlight()).toBe(2);
  });

  it("starts no fetch beyond its queue bound", async () => {
    const w = world({ concurrency: 1, maxQueued: 1 });
    const read = w.cache.get([bob, carol, "@dan:remote.example" as MatrixUserId]);
    await w.callsReach(1);
    w.calls[0]!.resolve(undefined);
    await w.callsReach(2);
    w.calls[1]!.resolve(undefined);
    await read;
    await w.settle();
    expect(w.calls.map((c) => c.userId)).toEqual([bob, carol]);
  });

  it("takes a member event as the latest profile, and a fetch that started before it does not overwrite it", async () => {
    const w = world();
    const read = w.cache.get([bob]);
    await w.callsReach(1);
    w.advance(5);
    await w.cache.noteMember(bob, "Bob (new)", "mxc://remote.example/new", w.now());
    w.calls[0]!.resolve({ displayName: "Bob (old)", avatarUrl: "mxc://remote.example/old" });
    await read;
    expect((await w.cache.get([bob])).get(bob)).toEqual({ displayName: "Bob (new)", avatarUrl: "mxc://remote.example/new" });
    // A replayed older member event does not win either.
    await w.cache.noteMember(bob, "Bob (older)", undefined, w.now() - 100);
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bob (new)");
    expect(w.changes).toEqual([bob]);
  });

  it("updates a fresh record from a member event at once, and tells listeners only of real changes", async () => {
    const w = world();
    await w.cache.noteMember(bob, "Bob", undefined, w.now());
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bob");
    await w.cache.noteMember(bob, "Bob", undefined, w.now());
    await w.cache.noteMember(bob, "Bobby", undefined, w.now());
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bobby");
    await w.settle();
    expect(w.calls).toHaveLength(0);
    expect(w.changes).toEqual([bob, bob]);
  });

  it("drops member updates beyond its bound of pending writes instead of queueing without end", async () => {
    const w = world({ maxPendingNotes: 2 });
    await Promise.all([
      w.cache.noteMember(bob, "Bob 1", undefined, w.now()),
      w.cache.noteMember(carol, "Carol 1", undefined, w.now()),
      w.cache.noteMember(bob, "Bob 2", undefined, w.now()),
    ]);
    const known = await w.cache.get([bob, carol]);
    expect([known.get(bob)?.displayName, known.get(carol)?.displayName]).toEqual(["Bob 1", "Carol 1"]);
    // Once written, the next update is taken again.
    await w.cache.noteMember(bob, "Bob 3", undefined, w.now());
    expect((await w.cache.get([bob])).get(bob)?.displayName).toBe("Bob 3");
  });

  it("survives a restart: the records are durable", async () => {
    const w = world();
    await w.cache.noteMember(bob, "Bob", undefined, w.now());
    const again = new CachedMatrixProfiles({ records: w.records, logger: createLogger("silent"), now: w.now });
    expect((await again.get([bob])).get(bob)?.displayName).toBe("Bob");
  });
});
