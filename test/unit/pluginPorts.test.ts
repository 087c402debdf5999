import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { EffectSink } from "../../src/matrix/EventHandler.js";
import { EventRouter } from "../../src/matrix/EventRouter.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";
import { pluginMatrixActions } from "../../src/plugins/pluginMatrixActions.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

/* What the host builds plugins' context from: the router's observers, the Matrix actions, the store. */

const event = (over: Partial<RoomEvent> = {}): RoomEvent => ({
  type: "m.room.message",
  roomId: "!portal:hs",
  sender: "@bob:elsewhere",
  eventId: "$e",
  originServerTs: 0,
  stateKey: undefined,
  content: { msgtype: "m.text", body: "hello" },
  ...over,
});

describe("Matrix event observers", () => {
  it("see an event after its exclusive handler finished, echoes marked, never when the handler failed, and cannot fail it", async () => {
    const order: string[] = [];
    let fail = false;
    const router = new EventRouter({
      botUserId: "@mirage:hs",
      isOwnUser: (id) => id.startsWith("@mirage"),
      isCommand: () => false,
      bot: { handle: async () => void order.push("bot") },
    });
    router.attachPortals({
      portalOf: async () => "r_1",
      handler: {
        handle: async () => {
          if (fail) throw new Error("retry later");
          order.push("bridge");
        },
      },
    });
    const sink: EffectSink = { send: () => undefined };
    router.observe(() => {
      throw new Error("a broken observer");
    });
    const stop = router.observe((e, own) => void order.push(`observed ${e.eventId}${own ? " (own)" : ""}`));

    await router.handle(event({ eventId: "$1" }), sink);
    await router.handle(event({ eventId: "$2", sender: "@mirage_alice:hs" }), sink);
    fail = true;
    await expect(router.handle(event({ eventId: "$3" }), sink)).rejects.toThrow("retry later");
    fail = false;
    stop();
    await router.handle(event({ eventId: "$4" }), sink);
    expect(order).toEqual(["bridge", "observed $1", "observed $2 (own)", "bridge"]);
  });
});

describe("plugins' Matrix actions", () => {
  it("queue through the outbox: platform rooms and blogs by mapping ref, Matrix rooms as they are, ghosts by account", async () => {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    let kicks = 0;
    const actions = pluginMatrixActions({
      outbox: store.outbox,
      mapping: store.idMapping,
      reader: { getState: async () => undefined },
      botUserId: "@mirage:hs",
      ghostUserId: (account) => `@mirage_${account}:hs`,
      kickOutbox: () => void kicks++,
      now: () => 5,
    });
    await actions.sendNotice({ roomId: "r_1" }, "hi", { html: "<b>hi</b>" });
    await actions.setState({ blog: "alice" }, "m.room.retention", "", { max_lifetime: 1000 }, { as: { account: "alice" } });
    await actions.removeState({ matrixRoomId: "!m:hs" }, "im.vector.modular.widgets", "w1");
    await actions.redact({ roomId: "r_1" }, "$ev", { reason: "expired" });
    const queued = (await store.outbox.peek(10)).map(({ id: _id, createdAt: _c, attempts: _a, ...op }) => op);
    expect(queued).toEqual([
      { op: "send", sender: "@mirage:hs", room: { kind: "room", id: "r_1" }, eventType: "m.room.message", content: { msgtype: "m.notice", body: "hi", format: "org.matrix.custom.html", formatted_body: "<b>hi</b>" } },
      { op: "state", sender: "@mirage_alice:hs", room: { kind: "blog", id: "alice" }, eventType: "m.room.retention", stateKey: "", content: { max_lifetime: 1000 } },
      { op: "state", sender: "@mirage:hs", roomId: "!m:hs", eventType: "im.vector.modular.widgets", stateKey: "w1", content: {} },
      { op: "redact", sender: "@mirage:hs", room: { kind: "room", id: "r_1" }, target: { eventId: "$ev" }, reason: "expired" },
    ]);
    expect(kicks).toBe(4);
  });

  it("read state as the bot through the mapping, and compute power levels as the room says", async () => {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    await store.idMapping.link([{ ref: { kind: "room", id: "r_1" }, roomId: "!portal:hs", origin: "platform" } as never]);
    const reads: string[] = [];
    const levels = { users: { "@mod:hs": 50 }, users_default: 0, events: { "im.vector.modular.widgets": 50 }, state_default: 100 };
    const actions = pluginMatrixActions({
      outbox: store.outbox,
      mapping: store.idMapping,
      reader: {
        getState: async (roomId, type, key) => {
          reads.push(`${roomId} ${type} ${key}`);
          return type === "m.room.power_levels" ? levels : undefined;
        },
      },
      botUserId: "@mirage:hs",
      ghostUserId: (account) => `@mirage_${account}:hs`,
      kickOutbox: () => undefined,
    });
    expect(await actions.powerFor({ roomId: "r_1" }, "@mod:hs", "im.vector.modular.widgets")).toEqual({ user: 50, needed: 50 });
    expect(await actions.powerFor({ roomId: "r_1" }, "@someone:hs", "m.room.topic")).toEqual({ user: 0, needed: 100 });
    expect(await actions.getState({ roomId: "r_1" }, "m.room.topic", "")).toBeUndefined();
    expect(reads).toEqual(["!portal:hs m.room.power_levels ", "!portal:hs m.room.power_levels ", "!portal:hs m.room.topic "]);
    await expect(actions.getState({ roomId: "r_unmapped" }, "m.room.topic", "")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("plugins' storage", () => {
  it("keeps each plugin's data apart, lists by prefix, and is removed only by purge", async () => {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    const a = store.plugins.open("a");
    const b = store.plugins.open("b");
    await a.data.put("count:r1", 1);
    await a.data.put("count:r2", 2);
    await a.data.put("other", "x");
    await b.data.put("count:r1", 10);
    expect(await a.data.list("count:")).toEqual([
      { key: "count:r1", value: 1 },
      { key: "count:r2", value: 2 },
    ]);
    expect(await a.data.list("count:", { after: "count:r1" })).toEqual([{ key: "count:r2", value: 2 }]);
    await a.jobs.put({ id: "j1", name: "n", payload: null, at: 10 });
    await a.jobs.put({ id: "j1", name: "n", payload: null, at: 30 }); // moved: the old index entry goes
    await a.jobs.put({ id: "j2", name: "n", payload: null, at: 20 });
    expect((await a.jobs.due(25, 10)).map((j) => j.id)).toEqual(["j2"]);
    expect((await a.jobs.next())?.id).toBe("j2");
    await store.plugins.purge("a");
    expect(await a.data.get("count:r1")).toBeUndefined();
    expect(await a.jobs.next()).toBeUndefined();
    expect(await b.data.get("count:r1")).toBe(10);
  });
});
