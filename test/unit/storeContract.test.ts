import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";

const txn = (n: number) => ({ events: Array.from({ length: n }, (_, i) => ({ type: "m.room.message", event_id: `$e${i}` })) });
const reply = (body: string) => ({ sender: "@mirage:t", roomId: "!r:t", eventType: "m.room.message", content: { body } });

/** The same contract for every store implementation. */
const implementations: [string, () => Promise<{ store: Store; reopen?: () => Promise<Store> }>][] = [
  ["memory-level", async () => ({ store: storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel) })],
  [
    "level",
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "mirage-store-"));
      const store = await openLevelStore(dir);
      return { store, reopen: () => openLevelStore(dir) };
    },
  ],
];

describe.each(implementations)("store contract: %s", (_name, make) => {
  it("accepts a transaction once; a duplicate id is a no-op", async () => {
    const { store } = await make();
    expect(await store.inbox.accept("t1", txn(2), 1)).toBe(true);
    expect(await store.inbox.accept("t1", txn(5), 2)).toBe(false);
    const pending = await store.inbox.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.body.events).toHaveLength(2);
    await store.close();
  });

  it("serializes concurrent duplicates: exactly one wins", async () => {
    const { store } = await make();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.inbox.accept("same", txn(1), 1)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.close();
  });

  it("keeps pending transactions in arrival order and resumes at the first unhandled event", async () => {
    const { store } = await make();
    for (const id of ["b", "a", "c"]) await store.inbox.accept(id, txn(3), 1);
    expect((await store.inbox.pending()).map((p) => p.txnId)).toEqual(["b", "a", "c"]);
    expect(await store.inbox.pendingCount()).toBe(3);
    await store.inbox.completeEvent("b", 0, [reply("one")]);
    await store.inbox.completeEvent("b", 1, []);
    const [first] = await store.inbox.pending();
    expect(first!.nextEvent).toBe(2);
    expect((await store.outbox.peek(10)).map((e) => e.content.body)).toEqual(["one"]);
    await store.inbox.complete("b", 5);
    expect((await store.inbox.pending()).map((p) => p.txnId)).toEqual(["a", "c"]);
    expect(await store.inbox.pendingCount()).toBe(2);
    expect(await store.inbox.accept("b", txn(1), 6)).toBe(false);
    await store.close();
  });

  it("prunes completed ids older than the cut-off, never pending ones", async () => {
    const { store } = await make();
    await store.inbox.accept("old", txn(0), 1);
    await store.inbox.complete("old", 10);
    await store.inbox.accept("new", txn(0), 1);
    await store.inbox.complete("new", 100);
    await store.inbox.accept("open", txn(1), 1);
    expect(await store.inbox.prune(50)).toBe(1);
    expect(await store.inbox.accept("old", txn(0), 200)).toBe(true);
    expect(await store.inbox.accept("new", txn(0), 200)).toBe(false);
    expect((await store.inbox.pending()).map((p) => p.txnId)).toContain("open");
    await store.close();
  });

  it("outbox is FIFO with unique increasing ids, attempts counted, removal by id", async () => {
    const { store } = await make();
    await store.outbox.enqueue([reply("1"), reply("2")], 1);
    await store.outbox.enqueue([reply("3")], 2);
    const entries = await store.outbox.peek(10);
    expect(entries.map((e) => e.content.body)).toEqual(["1", "2", "3"]);
    expect([...entries.map((e) => e.id)].sort()).toEqual(entries.map((e) => e.id));
    await store.outbox.recordAttempt(entries[0]!.id);
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(1);
    await store.outbox.remove(entries[0]!.id);
    expect(await store.outbox.size()).toBe(2);
    await store.close();
  });

  it("key-value values round-trip and delete", async () => {
    const { store } = await make();
    await store.kv.put("k", "v");
    expect(await store.kv.get("k")).toBe("v");
    await store.kv.delete("k");
    expect(await store.kv.get("k")).toBeUndefined();
    await store.close();
  });
});

describe("level store durability", () => {
  it("keeps the inbox, outbox and sequence across a reopen; new ids never reuse old ones", async () => {
    const { store, reopen } = await implementations[1]![1]();
    await store.inbox.accept("t1", txn(2), 1);
    await store.inbox.completeEvent("t1", 0, [reply("queued")]);
    const [before] = await store.outbox.peek(1);
    await store.outbox.remove(before!.id);
    await store.close();

    const again = await reopen!();
    expect(await again.inbox.accept("t1", txn(2), 2)).toBe(false);
    expect((await again.inbox.pending())[0]!.nextEvent).toBe(1);
    await again.outbox.enqueue([reply("later")], 3);
    const [after] = await again.outbox.peek(1);
    expect(after!.id > before!.id).toBe(true);
    await again.close();
  });

  it("refuses a second process on the same directory with a clear error", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-store-"));
    const first = await openLevelStore(dir);
    await expect(openLevelStore(dir)).rejects.toThrow(/in use by another Mirage process|cannot be opened/);
    await first.close();
  });
});
