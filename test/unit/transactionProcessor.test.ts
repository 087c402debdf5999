import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import type { EventHandler } from "../../src/matrix/EventHandler.js";
import { LaneScheduler } from "../../src/matrix/LaneScheduler.js";
import type { RetryBudget } from "../../src/platform/work/retryDelay.js";
import { TransactionProcessor, type TransactionProcessorDeps } from "../../src/matrix/TransactionProcessor.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";

const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "m.room.message",
  room_id: "!r:t",
  sender: "@u:t",
  event_id: id,
  content: { body: id },
  ...extra,
});
const inRoom = (room: string, id: string) => ev(id, { room_id: room });

/** What the homeserver answers when the inviting server is unreachable. */
const makeJoin502 = () =>
  Object.assign(new Error("Failed to make_join via any server"), { statusCode: 502, errcode: "M_UNKNOWN", body: { errcode: "M_UNKNOWN", error: "Failed to make_join via any server" } });
const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

const BUDGET: RetryBudget = { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 1000, maxDelayMs: 8000 };
const schedulers: LaneScheduler[] = [];
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
});

interface Setup {
  store: Store;
  processor: TransactionProcessor;
  scheduler: LaneScheduler;
  metrics: ReturnType<typeof createAppserviceMetrics>;
  /** Ingests what was accepted and runs every lane until nothing is runnable. */
  run(): Promise<void>;
}

/** A processor and lane scheduler over `db`, with a clock the test moves. */
function setup(
  handler: EventHandler,
  options: {
    db?: RootLevel;
    now?: { t: number };
    budget?: RetryBudget;
    extra?: Partial<TransactionProcessorDeps>;
    homeserverUsable?: () => boolean;
  } = {},
): Setup {
  const db = options.db ?? (new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const store = storeOver(db);
  const now = options.now ?? { t: 0 };
  const metrics = createAppserviceMetrics(new Registry());
  const logger = createLogger("silent");
  const processor = new TransactionProcessor({
    inbox: store.inbox,
    handlers: [handler],
    logger,
    metrics,
    onEffects: () => undefined,
    now: () => now.t,
    ...options.extra,
  });
  const scheduler = new LaneScheduler({
    lanes: store.lanes,
    handle: (entry) => processor.handleEvent(entry.event),
    onEffects: () => undefined,
    budget: options.budget ?? BUDGET,
    concurrency: 2,
    outageMaxDelayMs: 5000,
    logger,
    metrics,
    now: () => now.t,
    random: () => 0.5,
    ...(options.homeserverUsable ? { homeserverUsable: options.homeserverUsable } : {}),
  });
  schedulers.push(scheduler);
  return {
    store,
    processor,
    scheduler,
    metrics,
    async run() {
      await processor.ingest();
      scheduler.kick();
      await scheduler.idle();
    },
  };
}

describe("TransactionProcessor and room lanes", () => {
  it("tells observers a transaction's ephemeral events (stable and MSC2409 keys) once its room events are in their lanes", async () => {
    const told: unknown[][] = [];
    const { store, run } = setup({ handle: async () => undefined }, { extra: { onEphemeral: (events) => void told.push([...events]) } });
    const receipt = { type: "m.receipt", room_id: "!r:t", content: { $a: { "m.read": { "@u:t": { ts: 1 } } } } };
    const typing = { type: "m.typing", room_id: "!r:t", content: { user_ids: [] } };
    await store.inbox.accept("t1", { events: [ev("$a")], ephemeral: [receipt] }, 1);
    await store.inbox.accept("t2", { events: [], "de.sorunome.msc2409.ephemeral": [typing] }, 2);
    await store.inbox.accept("t3", { events: [ev("$b")] }, 3);
    await run();
    await run();
    expect(told).toEqual([[receipt], [typing]]);
  });

  it("handles every event once, in order, queuing effects with completion", async () => {
    const seen: string[] = [];
    const { store, run } = setup({
      async handle(event, effects) {
        seen.push(event.eventId);
        effects.send({ op: "send", sender: "@mirage:t", roomId: event.roomId, eventType: "m.room.message", content: { re: event.eventId } });
      },
    });
    await store.inbox.accept("t1", { events: [ev("$a"), ev("$b")] }, 1);
    await store.inbox.accept("t2", { events: [ev("$c")] }, 2);
    await run();
    await run();
    expect(seen).toEqual(["$a", "$b", "$c"]);
    expect((await store.outbox.peek(10)).map((e) => ("content" in e ? e.content.re : undefined))).toEqual(["$a", "$b", "$c"]);
    expect(await store.inbox.pending()).toEqual([]);
    expect(await store.lanes.size()).toBe(0);
  });

  it("a replayed transaction id is a no-op: nothing runs twice", async () => {
    const seen: string[] = [];
    const { store, run } = setup({ handle: async (event) => void seen.push(event.eventId) });
    expect(await store.inbox.accept("t1", { events: [ev("$a")] }, 1)).toBe(true);
    await run();
    expect(await store.inbox.accept("t1", { events: [ev("$a")] }, 2)).toBe(false);
    await run();
    expect(seen).toEqual(["$a"]);
  });

  it("a room whose event keeps failing holds only itself: other rooms go on, its own later events wait in order", async () => {
    const seen: string[] = [];
    const { store, run } = setup({
      async handle(event) {
        if (event.eventId === "$stuck") throw makeJoin502();
        seen.push(event.eventId);
      },
    });
    await store.inbox.accept("t1", { events: [inRoom("!bad:t", "$stuck"), inRoom("!bad:t", "$after"), inRoom("!ok:t", "$1")] }, 1);
    await store.inbox.accept("t2", { events: [inRoom("!ok:t", "$2"), inRoom("!other:t", "$3")] }, 2);
    await run();
    expect(seen).toEqual(["$1", "$2", "$3"]);
    expect(await store.lanes.head("!bad:t")).toMatchObject({ event: { event_id: "$stuck" }, attempts: 1, lastError: "502 M_UNKNOWN" });
    await store.inbox.accept("t3", { events: [inRoom("!ok:t", "$4")] }, 3);
    await run();
    expect(seen).toEqual(["$1", "$2", "$3", "$4"]);
  });

  it("backs off per lane: the failed head is not retried before its time, then is", async () => {
    let attempts = 0;
    const now = { t: 0 };
    const { store, run } = setup(
      {
        async handle(event) {
          if (event.eventId !== "$x") return;
          attempts += 1;
          if (attempts < 2) throw makeJoin502();
        },
      },
      { now },
    );
    await store.inbox.accept("t1", { events: [ev("$x")] }, 1);
    await run();
    await run();
    expect(attempts).toBe(1);
    const { notBefore } = (await store.lanes.head("!r:t"))!;
    expect(notBefore).toBe(1000);
    now.t = 1000;
    await run();
    expect(attempts).toBe(2);
    expect(await store.lanes.size()).toBe(0);
  });

  it("dead-letters an event after its attempts, counted in metrics, and its room goes on", async () => {
    const seen: string[] = [];
    const now = { t: 0 };
    const { store, run, metrics } = setup(
      {
        async handle(event) {
          if (event.eventId === "$stuck") throw makeJoin502();
          seen.push(event.eventId);
        },
      },
      { now },
    );
    await store.inbox.accept("t1", { events: [inRoom("!bad:t", "$stuck"), inRoom("!bad:t", "$after")] }, 1);
    for (let i = 0; i < 2; i++) {
      await run();
      now.t = (await store.lanes.head("!bad:t"))!.notBefore!;
    }
    expect(seen).toEqual([]);
    await run();
    expect(seen).toEqual(["$after"]);
    const [letter] = await store.deadLetters.list(10);
    expect(letter).toMatchObject({ roomId: "!bad:t", eventId: "$stuck", eventType: "m.room.message", sender: "@u:t", attempts: 3, firstFailureAt: 0, error: "502 M_UNKNOWN" });
    expect(letter!.lastFailureAt).toBe(now.t);
    expect(JSON.stringify(letter)).not.toContain("make_join");
    expect((await metrics.deadLettered.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { source: "inbox" } })]);
  });

  it("dead-letters an event whose failures outlast the time budget even with attempts left", async () => {
    const now = { t: 0 };
    const { store, run } = setup(
      { handle: async () => Promise.reject(makeJoin502()) },
      { now, budget: { maxAttempts: 1000, maxAgeMs: 10_000, initialDelayMs: 4000, maxDelayMs: 4000 } },
    );
    await store.inbox.accept("t1", { events: [ev("$x")] }, 1);
    await run();
    now.t = 4000;
    await run();
    now.t = 8000;
    await run();
    expect(await store.deadLetters.count()).toBe(0);
    now.t = 12_000;
    await run();
    expect(await store.deadLetters.list(5)).toEqual([expect.objectContaining({ eventId: "$x", attempts: 4, firstFailureAt: 0, lastFailureAt: 12_000 })]);
    expect(await store.lanes.size()).toBe(0);
  });

  it("a restart keeps the budget and the wait: attempts and first failure are persisted", async () => {
    const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
    const now = { t: 0 };
    const failing: EventHandler = { handle: async () => Promise.reject(makeJoin502()) };
    const first = setup(failing, { db, now });
    await first.store.inbox.accept("t1", { events: [ev("$x")] }, 1);
    await first.run();
    now.t = 1000;
    await first.run();
    await first.scheduler.stop();

    let tried = 0;
    const second = setup(
      {
        async handle() {
          tried += 1;
          throw makeJoin502();
        },
      },
      { db, now },
    );
    await second.run();
    expect(tried).toBe(0);
    now.t = (await second.store.lanes.head("!r:t"))!.notBefore!;
    await second.run();
    expect(tried).toBe(1);
    expect(await second.store.deadLetters.list(5)).toEqual([expect.objectContaining({ eventId: "$x", attempts: 3, firstFailureAt: 0 })]);
  });

  it("an unreachable homeserver pauses every room without spending any event's budget", async () => {
    let down = true;
    const seen: string[] = [];
    const now = { t: 0 };
    const { store, run, scheduler } = setup(
      {
        async handle(event) {
          if (down) throw refused();
          seen.push(event.eventId);
        },
      },
      { now },
    );
    await store.inbox.accept("t1", { events: [inRoom("!a:t", "$a"), inRoom("!b:t", "$b")] }, 1);
    for (let i = 0; i < 10; i++) {
      await run();
      now.t += 10_000;
    }
    expect(await store.deadLetters.count()).toBe(0);
    expect((await store.lanes.heads(undefined, 10)).map((h) => h.attempts)).toEqual([0, 0]);
    down = false;
    scheduler.resume();
    await scheduler.idle();
    expect(seen.sort()).toEqual(["$a", "$b"]);
  });

  it("a request that times out counts against its event's budget (one slow room must not pause all)", async () => {
    const seen: string[] = [];
    const { store, run } = setup({
      async handle(event) {
        if (event.roomId === "!slow:t") throw Object.assign(new Error("socket hang up"), { code: "ETIMEDOUT" });
        seen.push(event.eventId);
      },
    });
    await store.inbox.accept("t1", { events: [inRoom("!slow:t", "$s"), inRoom("!ok:t", "$o")] }, 1);
    await run();
    expect(seen).toEqual(["$o"]);
    expect(await store.lanes.head("!slow:t")).toMatchObject({ attempts: 1, lastError: "ETIMEDOUT" });
  });

  it("while the homeserver is known to be unusable no room runs, and it resumes when told", async () => {
    let usable = false;
    const seen: string[] = [];
    const { store, run, scheduler } = setup({ handle: async (event) => void seen.push(event.eventId) }, { homeserverUsable: () => usable });
    await store.inbox.accept("t1", { events: [inRoom("!a:t", "$a")] }, 1);
    await run();
    expect(seen).toEqual([]);
    usable = true;
    scheduler.resume();
    await scheduler.idle();
    expect(seen).toEqual(["$a"]);
  });

  it("survives malformed events (skipped) and handler bugs (dead-lettered at once, retryable): the rest goes on", async () => {
    const seen: string[] = [];
    const { store, run } = setup({
      async handle(event) {
        if (event.eventId === "$bug") throw new TypeError("handler bug");
        seen.push(event.eventId);
      },
    });
    const malformed = [null, 5, "str", { type: 1 }, ev("$x", { content: "not an object" }), ev("$y", { room_id: undefined })];
    await store.inbox.accept("t1", { events: [...malformed, ev("$bug"), ev("$ok")] as Record<string, unknown>[] }, 1);
    await run();
    expect(seen).toEqual(["$ok"]);
    expect(await store.inbox.pending()).toEqual([]);
    const letters = await store.deadLetters.list(10);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ eventId: "$bug", attempts: 1, error: "HANDLER_FAILED" });
  });

  it("runs lanes concurrently up to the limit and lets every room take turns", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: string[] = [];
    const { store, run } = setup({
      async handle(event) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(event.eventId);
        inFlight -= 1;
      },
    });
    const events = Array.from({ length: 30 }, (_, i) => inRoom(`!room${i % 5}:t`, `$${i}`));
    await store.inbox.accept("t1", { events }, 1);
    await run();
    expect(seen).toHaveLength(30);
    expect(peak).toBe(2);
    for (let room = 0; room < 5; room++) {
      const own = seen.filter((id) => Number(id.slice(1)) % 5 === room);
      expect(own).toEqual([...own].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    }
  });
});

describe("TransactionProcessor with encryption", () => {
  const encrypted = (id: string) => ev(id, { type: "m.room.encrypted", content: { algorithm: "m.megolm.v1.aes-sha2", session_id: "s" } });

  function setupCrypto(keys: Set<string>, now: { t: number }, decryptFailure?: { next: Error | undefined }) {
    const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
    const seen: string[] = [];
    const synced: string[] = [];
    const store = storeOver(db);
    const { processor, run } = setup({ handle: async (event) => void seen.push(`${event.type}:${event.eventId}`) }, {
      db,
      now,
      extra: {
      undecryptable: store.undecryptable,
      botUserId: "@mirage:t",
      reportUndecryptableAfterMs: 1000,
      crypto: {
        hasSyncData: (body) => body["de.sorunome.msc2409.to_device"] !== undefined,
        handleSyncData: async (txnId, body) => {
          synced.push(txnId);
          for (const k of body["de.sorunome.msc2409.to_device"] as string[]) keys.add(k);
        },
        observe: async () => undefined,
        decrypt: async (event) => {
          const failure = decryptFailure?.next;
          if (failure) {
            decryptFailure.next = undefined;
            throw failure;
          }
          if (!keys.has("s")) throw new Error("no room key");
          return { ...event, type: "m.room.message", content: { body: "clear" } };
        },
      },
      },
    });
    return { store, processor, seen, synced, run };
  }

  it("parks what cannot be decrypted and handles it once the key arrives in a later transaction", async () => {
    const now = { t: 0 };
    const { store, run, seen, synced } = setupCrypto(new Set(), now);
    await store.inbox.accept("t1", { events: [encrypted("$late")] }, 0);
    await run();
    expect(seen).toEqual([]);
    expect(await store.undecryptable.count()).toBe(1);

    await store.inbox.accept("t2", { events: [], "de.sorunome.msc2409.to_device": ["s"] }, 1);
    await run();
    await run();
    expect(synced).toEqual(["t2"]);
    expect(seen).toEqual(["m.room.message:$late"]);
    expect(await store.undecryptable.count()).toBe(0);
  });

  it("reports an event that never decrypts once, then forgets it", async () => {
    const now = { t: 0 };
    const { store, processor, run } = setupCrypto(new Set(), now);
    await store.inbox.accept("t1", { events: [encrypted("$never")] }, 0);
    await run();
    now.t = 500;
    processor.markParkedRetryDue();
    await run();
    expect(await store.outbox.size()).toBe(0);
    now.t = 1500;
    processor.markParkedRetryDue();
    await run();
    const [status, report] = await store.outbox.peek(5);
    expect(status).toMatchObject({
      roomId: "!r:t",
      eventType: "com.beeper.message_send_status",
      content: { "m.relates_to": { rel_type: "m.reference", event_id: "$never" }, status: "FAIL_PERMANENT", reason: "m.undecryptable" },
    });
    expect(report).toMatchObject({ roomId: "!r:t", content: { msgtype: "m.notice", body: expect.stringContaining("could not decrypt"), "m.relates_to": { "m.in_reply_to": { event_id: "$never" } } } });
    expect(await store.undecryptable.count()).toBe(0);
    processor.markParkedRetryDue();
    await run();
    expect(await store.outbox.size()).toBe(2);
  });

  it("does not hand device data to the crypto layer twice when a transaction is replayed", async () => {
    const { store, run, synced } = setupCrypto(new Set(), { t: 0 });
    await store.inbox.accept("t1", { events: [ev("$a")], "de.sorunome.msc2409.to_device": ["x"] }, 0);
    await store.inbox.completeSyncData("t1");
    await run();
    expect(synced).toEqual([]);
  });

  it("retries a transient decrypt failure in its lane instead of parking the event", async () => {
    const now = { t: 0 };
    const failure = { next: Object.assign(new Error("crypto store busy"), { statusCode: 503 }) as Error | undefined };
    const { store, run, seen } = setupCrypto(new Set(["s"]), now, failure);
    await store.inbox.accept("t1", { events: [encrypted("$e")] }, 0);
    await run();
    expect(await store.undecryptable.count()).toBe(0);
    expect(seen).toEqual([]);
    expect(await store.lanes.head("!r:t")).toMatchObject({ attempts: 1 });
    now.t = (await store.lanes.head("!r:t"))!.notBefore!;
    await run();
    expect(seen).toEqual(["m.room.message:$e"]);
    expect(await store.undecryptable.count()).toBe(0);
  });
});
