import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";

/** The same contract for every store implementation. */
const implementations: [string, () => Promise<{ store: Store; reopen?: () => Promise<Store> }>][] = [
  ["memory-level", async () => ({ store: storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel) })],
  [
    "level",
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "mirage-idmap-"));
      const store = await openLevelStore(dir);
      return { store, reopen: () => openLevelStore(dir) };
    },
  ],
];

const room = (id: string) => ({ kind: "room" as const, id });
const message = (id: string) => ({ kind: "message" as const, id });

describe.each(implementations)("ID mapping contract: %s", (_name, make) => {
  it("links a room and events both ways, and knows nothing of what it was not told", async () => {
    const { store } = await make();
    const m = store.idMapping;
    await m.link([
      { ref: room("r1"), roomId: "!a:t", origin: "platform" },
      { ref: message("m1"), roomId: "!a:t", eventId: "$1", origin: "platform" },
      { ref: { kind: "comment", id: "m1" }, roomId: "!a:t", eventId: "$2", origin: "matrix" },
    ]);
    expect(await m.toMatrix(room("r1"))).toEqual({ roomId: "!a:t" });
    expect(await m.toMatrix(message("m1"))).toEqual({ roomId: "!a:t", eventId: "$1" });
    expect(await m.toMatrix({ kind: "comment", id: "m1" })).toEqual({ roomId: "!a:t", eventId: "$2" });
    expect(await m.byRoom("!a:t")).toEqual(room("r1"));
    expect(await m.byEvent("$1")).toEqual({ ref: message("m1"), roomId: "!a:t", eventId: "$1", origin: "platform" });
    expect(await m.byEvent("$2")).toMatchObject({ origin: "matrix" });
    expect(await m.toMatrix(message("m2"))).toBeUndefined();
    expect(await m.toMatrix(room("m1"))).toBeUndefined();
    expect(await m.byEvent("$3")).toBeUndefined();
    expect(await m.byRoom("!b:t")).toBeUndefined();
    await store.close();
  });

  it("relinking a reference replaces its Matrix IDs; the old ones no longer resolve to it", async () => {
    const { store } = await make();
    const m = store.idMapping;
    await m.link([{ ref: room("r1"), roomId: "!old:t", origin: "platform" }]);
    await m.link([{ ref: message("m1"), roomId: "!old:t", eventId: "$old", origin: "platform" }]);
    await m.link([{ ref: room("r1"), roomId: "!new:t", origin: "platform" }]);
    await m.link([{ ref: message("m1"), roomId: "!new:t", eventId: "$new", origin: "platform" }]);
    expect(await m.toMatrix(room("r1"))).toEqual({ roomId: "!new:t" });
    expect(await m.byRoom("!old:t")).toBeUndefined();
    expect(await m.byRoom("!new:t")).toEqual(room("r1"));
    expect(await m.byEvent("$old")).toBeUndefined();
    expect(await m.byEvent("$new")).toMatchObject({ ref: message("m1") });
    await store.close();
  });

  it("a reference linked twice in one batch keeps only the later Matrix IDs", async () => {
    const { store } = await make();
    const m = store.idMapping;
    await m.link([
      { ref: message("m1"), roomId: "!a:t", eventId: "$first", origin: "platform" },
      { ref: message("m1"), roomId: "!a:t", eventId: "$second", origin: "platform" },
    ]);
    expect(await m.toMatrix(message("m1"))).toEqual({ roomId: "!a:t", eventId: "$second" });
    expect(await m.byEvent("$first")).toBeUndefined();
    await store.close();
  });

  it("the outbox removes a carried-out entry and records its links in one step", async () => {
    const { store } = await make();
    await store.outbox.enqueue([{ op: "send", sender: "@mirage:t", room: room("r1"), eventType: "m.room.message", content: { body: "x" }, ref: message("m1") }], 1);
    const [entry] = await store.outbox.peek(1);
    await store.outbox.complete(entry!.id, [{ ref: message("m1"), roomId: "!a:t", eventId: "$1", origin: "platform" }]);
    expect(await store.outbox.size()).toBe(0);
    expect(await store.idMapping.byEvent("$1")).toMatchObject({ ref: message("m1") });
    await store.close();
  });

  it("keeps links, and pending failure reports, across a reopen", async () => {
    const { store, reopen } = await make();
    if (!reopen) return;
    await store.idMapping.link([{ ref: message("m1"), roomId: "!a:t", eventId: "$1", origin: "matrix" }]);
    await store.outbox.enqueue([{ op: "send", sender: "@mirage:t", roomId: "!a:t", eventType: "m.room.message", content: { body: "x" } }], 1);
    const [entry] = await store.outbox.peek(1);
    await store.outbox.deadLetter(entry!, { at: 2, error: "403 M_FORBIDDEN", reason: "refused" });
    await store.close();
    const again = await reopen();
    expect(await again.idMapping.byEvent("$1")).toEqual({ ref: message("m1"), roomId: "!a:t", eventId: "$1", origin: "matrix" });
    expect(await again.outbox.pendingFailures(5)).toEqual([{ entry: expect.objectContaining({ id: entry!.id }), failure: { at: 2, error: "403 M_FORBIDDEN", reason: "refused" } }]);
    await again.outbox.acknowledgeFailure(entry!.id);
    expect(await again.outbox.pendingFailures(5)).toEqual([]);
    await again.close();
  });
});
