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
