import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MirageError } from "../../src/platform/errors/MirageError.js";
import { isInvalidSyncToken } from "../../src/platform/sync/invalidSyncToken.js";
import type { SyncBatch } from "../../src/platform/sync/SyncBatch.js";
import type { SyncEvent } from "../../src/platform/sync/SyncEvent.js";
import { SyncHub } from "../../src/platform/sync/SyncHub.js";
import type { SyncHubStats } from "../../src/platform/sync/SyncHubStats.js";

const ev = (n: number, roomId = "!r"): SyncEvent => ({ kind: "message.created", roomId, data: { n } });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Wraps a promise so its state can be read synchronously. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const idle: Partial<SyncHubStats> = { users: 0, waiters: 0, deliveries: 0, events: 0, timerArmed: false };

async function expectInvalidToken(promise: Promise<unknown>, reason: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MirageError);
  expect((error as MirageError).code).toBe("INVALID_INPUT");
  expect((error as MirageError).message).toMatch(/stale or invalid.*fresh sync/);
  expect(isInvalidSyncToken(error)).toBe(true);
  expect((error as MirageError).details).toEqual({ syncToken: reason });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SyncHub", () => {
  it("answers a first poll (no since) at once with the current token", async () => {
    const hub = new SyncHub();
    hub.publish(["alice"], ev(1));
    const batch = await hub.wait("alice", undefined, 30_000);
    expect(batch).toEqual({ events: [], next: hub.currentToken() });
    expect(hub.stats().waiters).toBe(0);
  });

  it("returns at once when events exist after since, oldest first", async () => {
    const hub = new SyncHub();
    const start = hub.currentToken();
    hub.publish(["alice"], ev(1));
    hub.publish(["alice", "bob"], ev(2));
    const batch = track(hub.wait("alice", start, 30_000));
    await Promise.resolve();
    await Promise.resolve();
    expect(batch.settled).toBe(true);
    expect(batch.value!.events).toEqual([ev(1), ev(2)]);
    expect(batch.value!.next).toBe(hub.currentToken());
    expect(hub.stats()).toMatchObject({ waiters: 0, timerArmed: false });
  });

  it("wakes a parked poll within one event-loop turn of the publish", async () => {
    const hub = new SyncHub();
    const poll = track(hub.wait("alice", hub.currentToken(), 30_000));
    await nextTurn();
    expect(poll.settled).toBe(false);
    expect(hub.stats()).toMatchObject({ users: 1, waiters: 1, timerArmed: true });

    hub.publish(["alice"], ev(1));
    await nextTurn();
    expect(poll.value).toEqual({ events: [ev(1)], next: hub.currentToken() });
    expect(hub.stats()).toMatchObject({ waiters: 0, timerArmed: false });
  });

  it("delivers changes published in one synchronous run as one batch", async () => {
    const hub = new SyncHub();
    const poll = hub.wait("alice", hub.currentToken(), 30_000);
    hub.publish(["alice"], ev(1));
    hub.publish(["alice"], { kind: "reaction.added", roomId: "!r", data: { key: "👍" } });
    const batch = await poll;
    expect(batch.events.map((e) => e.kind)).toEqual(["message.created", "reaction.added"]);
  });

  it("times out with no events and the same token when nothing happened", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub();
    const since = hub.currentToken();
    const poll = track(hub.wait("alice", since, 30_000));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(poll.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(poll.value).toEqual({ events: [], next: since });
    expect(hub.stats()).toMatchObject(idle);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("times out with a fresh token that skips only other users' events", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub();
    const since = hub.currentToken();
    const poll = hub.wait("alice", since, 1_000);
    hub.publish(["bob"], ev(1));
    await vi.advanceTimersByTimeAsync(1_000);
    const timedOut = await poll;
    expect(timedOut.events).toEqual([]);
    expect(timedOut.next).toBe(hub.currentToken());

    hub.publish(["alice"], ev(2));
    expect((await hub.wait("alice", timedOut.next, 1_000)).events).toEqual([ev(2)]);
    expect((await hub.wait("alice", since, 1_000)).events).toEqual([ev(2)]);
  });

  it("uses one timer for all parked polls, armed for the earliest deadline", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub();
    const since = hub.currentToken();
    const late = track(hub.wait("alice", since, 5_000));
    const early = track(hub.wait("bob", since, 1_000));
    const middle = track(hub.wait("carol", since, 3_000));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect([early.settled, middle.settled, late.settled]).toEqual([true, false, false]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect([middle.settled, late.settled]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(late.settled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(hub.stats()).toMatchObject(idle);
  });

  it("expires each of many polls exactly at its own deadline, with aborts in between", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub();
    const since = hub.currentToken();
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const polls = Array.from({ length: 200 }, (_, i) => {
      const timeout = 1 + random(250);
      const controller = new AbortController();
      const abortAt = i % 3 === 0 ? random(250) : Infinity;
      const state = track(hub.wait(`user${i % 17}`, since, timeout, controller.signal));
      return { timeout, abortAt, controller, state };
    });
    for (let t = 0; t <= 250; t++) {
      for (const p of polls) if (p.abortAt === t && p.timeout > t) p.controller.abort();
      for (const p of polls) {
        const aborted = p.abortAt <= t && p.abortAt < p.timeout;
        if (!aborted) expect(p.state.settled).toBe(p.timeout <= t);
      }
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(polls.every((p) => p.state.settled)).toBe(true);
    expect(hub.stats()).toMatchObject(idle);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("releases an aborted poll at once and keeps nothing", async () => {
    const hub = new SyncHub();
    const controller = new AbortController();
    const poll = track(hub.wait("alice", hub.currentToken(), 30_000, controller.signal));
    expect(hub.stats()).toMatchObject({ users: 1, waiters: 1, timerArmed: true });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);

    controller.abort();
    expect(hub.stats()).toMatchObject(idle);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await nextTurn();
    expect((poll.error as Error).name).toBe("AbortError");

    hub.publish(["alice"], ev(1));
    await nextTurn();
    expect(hub.stats()).toMatchObject({ waiters: 0, users: 1, deliveries: 1 });
  });

  it("rejects a poll whose signal is already aborted without parking it", async () => {
    const hub = new SyncHub();
    const reason = new Error("gone");
    await expect(hub.wait("alice", hub.currentToken(), 30_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(hub.stats()).toMatchObject(idle);
  });

  it("removes its abort listener when a poll is answered", async () => {
    const hub = new SyncHub();
    const controller = new AbortController();
    const poll = hub.wait("alice", hub.currentToken(), 30_000, controller.signal);
    hub.publish(["alice"], ev(1));
    await poll;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("wakes 1,000 polls of one user with one publish", async () => {
    const hub = new SyncHub();
    const since = hub.currentToken();
    const polls = Array.from({ length: 1_000 }, () => track(hub.wait("alice", since, 30_000)));
    expect(hub.stats()).toMatchObject({ users: 1, waiters: 1_000 });
    hub.publish(["alice"], ev(1));
    await nextTurn();
    expect(polls.every((p) => p.value?.events.length === 1)).toBe(true);
    expect(hub.stats()).toMatchObject({ waiters: 0, timerArmed: false });
  });

  it("wakes 1,000 users' polls with one publish to all of them", async () => {
    const hub = new SyncHub();
    const since = hub.currentToken();
    const users = Array.from({ length: 1_000 }, (_, i) => `user${i}`);
    const polls = users.map((u) => track(hub.wait(u, since, 30_000)));
    expect(hub.stats()).toMatchObject({ users: 1_000, waiters: 1_000 });
    hub.publish(users, ev(1));
    await nextTurn();
    expect(polls.every((p) => p.value?.events[0] === polls[0]!.value?.events[0])).toBe(true);
    expect(polls.every((p) => p.value?.next === hub.currentToken())).toBe(true);
    expect(hub.stats()).toMatchObject({ waiters: 0, users: 1_000, deliveries: 1_000, events: 1, timerArmed: false });
  });

  it("does not wake polls of users an event was not published to", async () => {
    const hub = new SyncHub();
    const controller = new AbortController();
    const poll = track(hub.wait("alice", hub.currentToken(), 30_000, controller.signal));
    hub.publish(["bob", "carol"], ev(1));
    await nextTurn();
    expect(poll.settled).toBe(false);
    controller.abort();
  });

  it("keeps order and next correct across publishes, polls and batch limits", async () => {
    const hub = new SyncHub({ batchLimit: 2 });
    let token = hub.currentToken();
    hub.publish(["alice"], ev(1));
    hub.publish(["bob"], ev(2));
    hub.publish(["alice", "bob"], ev(3));
    hub.publish(["alice"], ev(4));
    hub.publish(["alice", "alice"], ev(5));

    const seen: unknown[] = [];
    for (;;) {
      const batch: SyncBatch = await hub.wait("alice", token, 0);
      if (batch.events.length === 0) break;
      expect(batch.events.length).toBeLessThanOrEqual(2);
      seen.push(...batch.events.map((e) => (e.data as { n: number }).n));
      token = batch.next;
    }
    expect(seen).toEqual([1, 3, 4, 5]);
    expect(token).toBe(hub.currentToken());

    const poll = hub.wait("alice", token, 30_000);
    hub.publish(["alice"], ev(6));
    const woken = await poll;
    expect(woken.events).toEqual([ev(6)]);
    expect((await hub.wait("alice", woken.next, 0)).events).toEqual([]);
    expect((await hub.wait("bob", hub.currentToken(), 0)).events).toEqual([]);
  });

  it("rejects garbage, forged and other instances' tokens with the typed error", async () => {
    const hub = new SyncHub();
    hub.publish(["alice"], ev(1));
    const good = hub.currentToken();
    await expectInvalidToken(hub.wait("alice", "", 1_000), "malformed");
    await expectInvalidToken(hub.wait("alice", "not a token", 1_000), "malformed");
    await expectInvalidToken(hub.wait("alice", "A".repeat(good.length), 1_000), "malformed");
    await expectInvalidToken(hub.wait("alice", good + "A", 1_000), "malformed");

    const bytes = Buffer.from(good, "base64url");
    bytes[16] = bytes[16]! ^ 1; // last byte of the sequence number
    await expectInvalidToken(hub.wait("alice", bytes.toString("base64url"), 1_000), "forged");

    const previous = new SyncHub();
    previous.publish(["alice"], ev(1));
    await expectInvalidToken(hub.wait("alice", previous.currentToken(), 1_000), "previous-instance");
    expect(hub.stats().waiters).toBe(0);
  });

  it("keeps at most maxEventsPerUser and refuses polls from before what was dropped", async () => {
    const hub = new SyncHub({ maxEventsPerUser: 3 });
    const start = hub.currentToken();
    const tokens: string[] = [];
    for (let n = 1; n <= 10; n++) {
      hub.publish(["alice"], ev(n));
      tokens.push(hub.currentToken());
    }
    expect(hub.stats().deliveries).toBe(3);
    await expectInvalidToken(hub.wait("alice", start, 1_000), "expired");
    await expectInvalidToken(hub.wait("alice", tokens[5]!, 1_000), "expired");
    const batch = await hub.wait("alice", tokens[6]!, 1_000);
    expect(batch.events.map((e) => (e.data as { n: number }).n)).toEqual([8, 9, 10]);
  });

  it("bounds the total retained across users and forgets users left with nothing", async () => {
    const hub = new SyncHub({ maxRetainedDeliveries: 5 });
    for (let n = 1; n <= 20; n++) hub.publish([`user${n % 7}`, `user${(n + 1) % 7}`], ev(n));
    const stats = hub.stats();
    expect(stats.deliveries).toBeLessThanOrEqual(5);
    expect(stats.users).toBeLessThanOrEqual(5);
    expect(stats.events).toBeLessThanOrEqual(3);
  });

  it("drops events older than retentionMs and refuses polls from before them", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub({ retentionMs: 60_000 });
    const start = hub.currentToken();
    hub.publish(["alice"], ev(1));
    const afterFirst = hub.currentToken();
    await vi.advanceTimersByTimeAsync(30_000);
    hub.publish(["alice"], ev(2));
    await vi.advanceTimersByTimeAsync(30_000);

    await expectInvalidToken(hub.wait("alice", start, 1_000), "expired");
    expect((await hub.wait("alice", afterFirst, 1_000)).events).toEqual([ev(2)]);
    expect(hub.stats()).toMatchObject({ users: 1, deliveries: 1 });
    await vi.advanceTimersByTimeAsync(30_000);
    await expectInvalidToken(hub.wait("alice", afterFirst, 1_000), "expired");
    expect(hub.stats()).toMatchObject(idle);
  });

  it("keeps a parked poll valid while other users' events expire", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub({ retentionMs: 10_000, maxTimeoutMs: 60_000 });
    const poll = hub.wait("alice", hub.currentToken(), 60_000);
    hub.publish(["bob"], ev(1));
    await vi.advanceTimersByTimeAsync(20_000);
    hub.publish(["bob"], ev(2));
    hub.publish(["alice"], ev(3));
    expect((await poll).events).toEqual([ev(3)]);
  });

  it("refuses a parked poll whose events overflowed before it woke", async () => {
    const hub = new SyncHub({ maxEventsPerUser: 2 });
    const poll = hub.wait("alice", hub.currentToken(), 30_000);
    for (let n = 1; n <= 3; n++) hub.publish(["alice"], ev(n));
    await expectInvalidToken(poll, "expired");
    expect(hub.stats().waiters).toBe(0);
  });

  it("answers a session's oldest parked poll, empty with the current token, when a new one passes maxWaitsPerSession", async () => {
    const hub = new SyncHub({ maxWaitsPerSession: 2 });
    const since = hub.currentToken();
    const first = track(hub.wait("alice", since, 30_000, undefined, "s1"));
    const second = track(hub.wait("alice", since, 30_000, undefined, "s1"));
    const otherSession = track(hub.wait("alice", since, 30_000, undefined, "s2"));
    hub.publish(["bob"], ev(1));
    const third = track(hub.wait("alice", since, 30_000, undefined, "s1"));
    await nextTurn();
    expect(first.value).toEqual({ events: [], next: hub.currentToken() });
    expect([second.settled, otherSession.settled, third.settled]).toEqual([false, false, false]);
    expect(hub.stats()).toMatchObject({ waiters: 3, displaced: 1, refused: 0 });

    // The displaced client polls on from the token it got and misses nothing.
    const again = track(hub.wait("alice", first.value!.next, 30_000, undefined, "s1"));
    await nextTurn();
    expect(second.value).toEqual({ events: [], next: hub.currentToken() });
    hub.publish(["alice"], ev(2));
    await nextTurn();
    for (const poll of [otherSession, third, again]) expect(poll.value!.events).toEqual([ev(2)]);
    expect(hub.stats()).toMatchObject({ waiters: 0, displaced: 2, timerArmed: false });
  });

  it("answers an account's oldest parked poll, across its sessions, when a new one passes maxWaitsPerAccount", async () => {
    const hub = new SyncHub({ maxWaitsPerSession: 10, maxWaitsPerAccount: 3 });
    const since = hub.currentToken();
    const polls = ["s1", "s2", "s3"].map((session) => track(hub.wait("alice", since, 30_000, undefined, session)));
    const bobs = [1, 2, 3].map(() => track(hub.wait("bob", since, 30_000)));
    const newest = track(hub.wait("alice", since, 30_000, undefined, "s4"));
    await nextTurn();
    expect(polls.map((p) => p.settled)).toEqual([true, false, false]);
    expect(polls[0]!.value).toEqual({ events: [], next: since });
    expect([...bobs, newest].some((p) => p.settled)).toBe(false);
    // Polls without a session count against their account too.
    const fourthBob = track(hub.wait("bob", since, 30_000));
    await nextTurn();
    expect(bobs.map((p) => p.settled)).toEqual([true, false, false]);
    expect(fourthBob.settled).toBe(false);
    expect(hub.stats()).toMatchObject({ waiters: 6, displaced: 2 });
    hub.close();
  });

  it("keeps a poll that displaced the last one of an idle user wakeable", async () => {
    const hub = new SyncHub({ maxWaitsPerAccount: 1 });
    const since = hub.currentToken();
    const old = track(hub.wait("alice", since, 30_000));
    const current = track(hub.wait("alice", since, 30_000));
    await nextTurn();
    expect(old.settled).toBe(true);
    expect(hub.stats()).toMatchObject({ users: 1, waiters: 1 });
    hub.publish(["alice"], ev(1));
    await nextTurn();
    expect(current.value?.events).toEqual([ev(1)]);
  });

  it("refuses a poll that would park past maxWaits with OVERLOADED, and still answers polls that have events", async () => {
    vi.useFakeTimers();
    const hub = new SyncHub({ maxWaits: 2, retryAfterSeconds: 7 });
    const since = hub.currentToken();
    const polls = [track(hub.wait("alice", since, 1_000)), track(hub.wait("bob", since, 5_000))];
    const refused = await hub.wait("carol", since, 5_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(MirageError);
    expect(refused).toMatchObject({ code: "OVERLOADED", details: { retryAfterSeconds: 7 } });
    expect(hub.stats()).toMatchObject({ waiters: 2, refused: 1, displaced: 0 });
    // Nothing to wait for: answered as usual, at capacity or not.
    hub.publish(["carol"], ev(1));
    expect((await hub.wait("carol", since, 5_000)).events).toEqual([ev(1)]);
    expect((await hub.wait("carol", hub.currentToken(), 0)).events).toEqual([]);
    expect(hub.stats()).toMatchObject({ waiters: 2, refused: 1 });
    // Once a poll ends, there is room again.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(polls[0]!.settled).toBe(true);
    const later = track(hub.wait("carol", hub.currentToken(), 5_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(later.settled).toBe(false);
    expect(hub.stats()).toMatchObject({ waiters: 2, refused: 1 });
    hub.close();
  });

  it("answers parked polls on close and stops parking", async () => {
    const hub = new SyncHub();
    const since = hub.currentToken();
    const poll = hub.wait("alice", since, 30_000);
    hub.close();
    expect(await poll).toEqual({ events: [], next: since });
    expect(hub.stats()).toMatchObject({ waiters: 0, timerArmed: false });
    expect(await hub.wait("alice", since, 30_000)).toEqual({ events: [], next: since });
  });
});
