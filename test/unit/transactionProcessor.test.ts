import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import type { EventHandler } from "../../src/matrix/EventHandler.js";
import { TransactionProcessor } from "../../src/matrix/TransactionProcessor.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "m.room.message",
  room_id: "!r:t",
  sender: "@u:t",
  event_id: id,
  content: { body: id },
  ...extra,
});

function setup(handler: EventHandler) {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const processor = new TransactionProcessor({
    inbox: store.inbox,
    handlers: [handler],
    logger: createLogger("silent"),
    metrics: createAppserviceMetrics(new Registry()),
    onEffects: () => undefined,
  });
  return { store, processor };
}

describe("TransactionProcessor", () => {
  it("handles every event once, in order, queuing effects with completion", async () => {
    const seen: string[] = [];
    const { store, processor } = setup({
      async handle(event, effects) {
        seen.push(event.eventId);
        effects.send({ sender: "@mirage:t", roomId: event.roomId, eventType: "m.room.message", content: { re: event.eventId } });
      },
    });
    await store.inbox.accept("t1", { events: [ev("$a"), ev("$b")] }, 1);
    await store.inbox.accept("t2", { events: [ev("$c")] }, 2);
    await processor.drain();
    await processor.drain();
    expect(seen).toEqual(["$a", "$b", "$c"]);
    expect((await store.outbox.peek(10)).map((e) => e.content.re)).toEqual(["$a", "$b", "$c"]);
    expect(await store.inbox.pending()).toEqual([]);
  });

  it("stops at a transient failure and resumes at that event, not before", async () => {
    let down = true;
    const seen: string[] = [];
    const { store, processor } = setup({
      async handle(event) {
        if (event.eventId === "$b" && down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        seen.push(event.eventId);
      },
    });
    await store.inbox.accept("t1", { events: [ev("$a"), ev("$b"), ev("$c")] }, 1);
    await expect(processor.drain()).rejects.toThrow(/ECONNREFUSED/);
    expect(seen).toEqual(["$a"]);
    down = false;
    await processor.drain();
    expect(seen).toEqual(["$a", "$b", "$c"]);
  });

  it("survives malformed events and handler bugs: they are skipped, the rest goes on", async () => {
    const seen: string[] = [];
    const { store, processor } = setup({
      async handle(event) {
        if (event.eventId === "$bug") throw new TypeError("handler bug");
        seen.push(event.eventId);
      },
    });
    const malformed = [null, 5, "str", { type: 1 }, ev("$x", { content: "not an object" }), ev("$y", { room_id: undefined })];
    await store.inbox.accept("t1", { events: [...malformed, ev("$bug"), ev("$ok")] as Record<string, unknown>[] }, 1);
    await processor.drain();
    expect(seen).toEqual(["$ok"]);
    expect(await store.inbox.pending()).toEqual([]);
  });
});

describe("TransactionProcessor with encryption", () => {
  const encrypted = (id: string) => ev(id, { type: "m.room.encrypted", content: { algorithm: "m.megolm.v1.aes-sha2", session_id: "s" } });

  function setupCrypto(keys: Set<string>, now: { t: number }) {
    const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
    const store = storeOver(db);
    const seen: string[] = [];
    const synced: string[] = [];
    const processor = new TransactionProcessor({
      inbox: store.inbox,
      undecryptable: store.undecryptable,
      handlers: [{ handle: async (event) => void seen.push(`${event.type}:${event.eventId}`) }],
      logger: createLogger("silent"),
      metrics: createAppserviceMetrics(new Registry()),
      onEffects: () => undefined,
      botUserId: "@mirage:t",
      reportUndecryptableAfterMs: 1000,
      now: () => now.t,
      crypto: {
        hasSyncData: (body) => body["de.sorunome.msc2409.to_device"] !== undefined,
        handleSyncData: async (txnId, body) => {
          synced.push(txnId);
          for (const k of body["de.sorunome.msc2409.to_device"] as string[]) keys.add(k);
        },
        observe: async () => undefined,
        decrypt: async (event) => {
          if (!keys.has("s")) throw new Error("no room key");
          return { ...event, type: "m.room.message", content: { body: "clear" } };
        },
      },
    });
    return { store, processor, seen, synced };
  }

  it("parks what cannot be decrypted and handles it once the key arrives in a later transaction", async () => {
    const now = { t: 0 };
    const { store, processor, seen, synced } = setupCrypto(new Set(), now);
    await store.inbox.accept("t1", { events: [encrypted("$late")] }, 0);
    await processor.drain();
    expect(seen).toEqual([]);
    expect(await store.undecryptable.count()).toBe(1);

    await store.inbox.accept("t2", { events: [], "de.sorunome.msc2409.to_device": ["s"] }, 1);
    await processor.drain();
    await processor.drain();
    expect(synced).toEqual(["t2"]);
    expect(seen).toEqual(["m.room.message:$late"]);
    expect(await store.undecryptable.count()).toBe(0);
  });

  it("reports an event that never decrypts once, then forgets it", async () => {
    const now = { t: 0 };
    const { store, processor } = setupCrypto(new Set(), now);
    await store.inbox.accept("t1", { events: [encrypted("$never")] }, 0);
    await processor.drain();
    now.t = 500;
    processor.markParkedRetryDue();
    await processor.drain();
    expect(await store.outbox.size()).toBe(0);
    now.t = 1500;
    processor.markParkedRetryDue();
    await processor.drain();
    const [report] = await store.outbox.peek(5);
    expect(report).toMatchObject({ roomId: "!r:t", content: { msgtype: "m.notice", "m.relates_to": { "m.in_reply_to": { event_id: "$never" } } } });
    expect(await store.undecryptable.count()).toBe(0);
    processor.markParkedRetryDue();
    await processor.drain();
    expect(await store.outbox.size()).toBe(1);
  });

  it("does not hand device data to the crypto layer twice when a transaction is replayed", async () => {
    const { store, processor, synced } = setupCrypto(new Set(), { t: 0 });
    await store.inbox.accept("t1", { events: [ev("$a")], "de.sorunome.msc2409.to_device": ["x"] }, 0);
    await store.inbox.completeSyncData("t1");
    await processor.drain();
    expect(synced).toEqual([]);
  });
});
