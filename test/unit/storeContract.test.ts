import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";

const txn = (n: number) => ({ events: Array.from({ length: n }, (_, i) => ({ type: "m.room.message", event_id: `$e${i}` })) });
const lane = (roomId: string, eventId: string) => ({
  roomId,
  event: { type: "m.room.member", room_id: roomId, sender: "@u:t", event_id: eventId, content: { membership: "invite" } },
});
const reply = (body: string) => ({ op: "send" as const, sender: "@mirage:t", roomId: "!r:t", eventType: "m.room.message", content: { body } });

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

  it("keeps pending transactions in arrival order; fan-out moves their events into lanes and completes them in one step", async () => {
    const { store } = await make();
    for (const id of ["b", "a", "c"]) await store.inbox.accept(id, txn(3), 1);
    expect((await store.inbox.pending()).map((p) => p.txnId)).toEqual(["b", "a", "c"]);
    expect(await store.inbox.pendingCount()).toBe(3);
    await store.inbox.fanOut("b", [lane("!r1:t", "$1"), lane("!r2:t", "$2"), lane("!r1:t", "$3")], 5);
    expect((await store.inbox.pending()).map((p) => p.txnId)).toEqual(["a", "c"]);
    expect(await store.inbox.pendingCount()).toBe(2);
    expect(await store.lanes.size()).toBe(3);
    // A second fan-out of a completed transaction (a replay after a crash) adds nothing.
    await store.inbox.fanOut("b", [lane("!r1:t", "$1")], 6);
    expect(await store.lanes.size()).toBe(3);
    expect(await store.inbox.accept("b", txn(1), 6)).toBe(false);
    await store.close();
  });

  it("room lanes: in order within a room, one head per room, completion removes the head with its effects", async () => {
    const { store } = await make();
    await store.inbox.accept("t", txn(0), 1);
    await store.inbox.fanOut("t", [lane("!b:t", "$b1"), lane("!a:t", "$a1"), lane("!b:t", "$b2"), lane("!c:t", "$c1")], 1);
    const heads = await store.lanes.heads(undefined, 10);
    expect(heads.map((h) => h.event.event_id)).toEqual(["$a1", "$b1", "$c1"]);
    expect((await store.lanes.heads("!a:t", 1)).map((h) => h.roomId)).toEqual(["!b:t"]);
    expect(await store.lanes.heads("!c:t", 10)).toEqual([]);
    const b1 = (await store.lanes.head("!b:t"))!;
    await store.lanes.complete(b1, [reply("answer")]);
    expect((await store.lanes.head("!b:t"))!.event.event_id).toBe("$b2");
    expect((await store.outbox.peek(10)).map((e) => ("content" in e ? e.content.body : undefined))).toEqual(["answer"]);
    await store.close();
  });

  it("room lanes: failures are counted on the event; dead-lettering moves it out of its lane in one step", async () => {
    const { store } = await make();
    await store.inbox.accept("t", txn(0), 1);
    await store.inbox.fanOut("t", [lane("!r:t", "$stuck"), lane("!r:t", "$next")], 1);
    let head = (await store.lanes.head("!r:t"))!;
    head = await store.lanes.recordFailure(head, { at: 10, error: "502 M_UNKNOWN", notBefore: 20 });
    head = await store.lanes.recordFailure(head, { at: 30, error: "502 M_UNKNOWN", notBefore: 50 });
    expect(await store.lanes.head("!r:t")).toMatchObject({ attempts: 2, firstFailureAt: 10, lastFailureAt: 30, notBefore: 50, lastError: "502 M_UNKNOWN" });
    await store.lanes.deadLetter(head, { at: 60, error: "503" });
    expect((await store.lanes.head("!r:t"))!.event.event_id).toBe("$next");
    expect(await store.deadLetters.count()).toBe(1);
    const [letter] = await store.deadLetters.list(10);
    expect(letter).toEqual({
      id: `e${head.seq}`,
      source: "inbox",
      roomId: "!r:t",
      eventId: "$stuck",
      eventType: "m.room.member",
      sender: "@u:t",
      attempts: 3,
      firstFailureAt: 10,
      lastFailureAt: 60,
      error: "503",
    });
    await store.close();
  });

  it("dead letters: a retry puts the event back at the tail of its lane with a fresh budget; unknown ids are refused", async () => {
    const { store } = await make();
    await store.inbox.accept("t", txn(0), 1);
    await store.inbox.fanOut("t", [lane("!r:t", "$stuck"), lane("!r:t", "$next")], 1);
    const head = await store.lanes.recordFailure((await store.lanes.head("!r:t"))!, { at: 1, error: "502", notBefore: 2 });
    await store.lanes.deadLetter(head, { at: 3, error: "502" });
    const [letter] = await store.deadLetters.list(10);
    expect(await store.deadLetters.requeue("e999999")).toBe(false);
    expect(await store.deadLetters.requeue(String(head.seq))).toBe(false);
    expect(await store.deadLetters.requeue("not-an-id")).toBe(false);
    expect(await store.deadLetters.requeue(letter!.id)).toBe(true);
    expect(await store.deadLetters.requeue(letter!.id)).toBe(false);
    expect(await store.deadLetters.count()).toBe(0);
    await store.lanes.complete((await store.lanes.head("!r:t"))!, []);
    const back = (await store.lanes.head("!r:t"))!;
    expect(back).toMatchObject({ event: { event_id: "$stuck" }, attempts: 0 });
    expect(back.firstFailureAt).toBeUndefined();
    expect(back.notBefore).toBeUndefined();
    expect(back.seq).toBeGreaterThan(head.seq);
    await store.close();
  });

  it("prunes completed ids older than the cut-off, never pending ones", async () => {
    const { store } = await make();
    await store.inbox.accept("old", txn(0), 1);
    await store.inbox.fanOut("old", [], 10);
    await store.inbox.accept("new", txn(0), 1);
    await store.inbox.fanOut("new", [], 100);
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
    expect(entries.map((e) => ("content" in e ? e.content.body : undefined))).toEqual(["1", "2", "3"]);
    expect([...entries.map((e) => e.id)].sort()).toEqual(entries.map((e) => e.id));
    expect((await store.outbox.peek(10, entries[0]!.id)).map((e) => ("content" in e ? e.content.body : undefined))).toEqual(["2", "3"]);
    await store.outbox.recordFailure(entries[0]!.id, { at: 5, error: "502", notBefore: 9 });
    await store.outbox.recordFailure(entries[0]!.id, { at: 10, error: "503", notBefore: 20 });
    expect((await store.outbox.peek(1))[0]).toMatchObject({ attempts: 2, firstFailureAt: 5, lastFailureAt: 10, notBefore: 20, lastError: "503" });
    await store.outbox.remove(entries[0]!.id);
    expect(await store.outbox.size()).toBe(2);
    await store.close();
  });

  it("outbox dead letters: moved out in one step, listed as sends, put back under their own id with a fresh budget", async () => {
    const { store } = await make();
    await store.outbox.enqueue([reply("stuck"), reply("next")], 1);
    const [stuck] = await store.outbox.peek(1);
    await store.outbox.recordFailure(stuck!.id, { at: 5, error: "502", notBefore: 9 });
    await store.outbox.deadLetter((await store.outbox.peek(1))[0]!, { at: 12, error: "500 M_UNKNOWN", reason: "budget" });
    expect((await store.outbox.peek(10)).map((e) => ("content" in e ? e.content.body : undefined))).toEqual(["next"]);
    const [letter] = await store.deadLetters.list(5);
    expect(letter).toEqual({
      id: `s${Number(stuck!.id)}`,
      source: "outbox",
      roomId: "!r:t",
      eventId: "",
      eventType: "m.room.message",
      sender: "@mirage:t",
      attempts: 2,
      firstFailureAt: 5,
      lastFailureAt: 12,
      error: "500 M_UNKNOWN",
    });
    expect(await store.deadLetters.requeue(letter!.id)).toBe(true);
    const back = await store.outbox.peek(10);
    expect(back.map((e) => ("content" in e ? e.content.body : undefined))).toEqual(["stuck", "next"]);
    expect(back[0]).toEqual({ ...stuck, attempts: 0 });
    expect(await store.deadLetters.count()).toBe(0);
    await store.close();
  });

  it("outbox receipts are stored with their entries in one batch and pruned by age", async () => {
    const { store } = await make();
    expect(await store.outbox.hasReceipt("bridge:1")).toBe(false);
    await store.outbox.enqueue([reply("a")], 100, "bridge:1");
    await store.outbox.enqueue([reply("b")], 200, "bridge:2");
    expect(await store.outbox.hasReceipt("bridge:1")).toBe(true);
    expect(await store.outbox.size()).toBe(2);
    // An invalid operation stores nothing, its receipt included.
    await expect(store.outbox.enqueue([{ ...reply("c"), roomId: "not a room" }], 300, "bridge:3")).rejects.toThrow();
    expect(await store.outbox.hasReceipt("bridge:3")).toBe(false);
    expect(await store.outbox.pruneReceipts(150, 10)).toBe(1);
    expect(await store.outbox.hasReceipt("bridge:1")).toBe(false);
    expect(await store.outbox.hasReceipt("bridge:2")).toBe(true);
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
  it("keeps the inbox, lanes, failure counts, dead letters, outbox and sequences across a reopen", async () => {
    const { store, reopen } = await implementations[1]![1]();
    await store.inbox.accept("t1", txn(2), 1);
    await store.inbox.accept("t2", txn(2), 1);
    await store.inbox.fanOut("t1", [lane("!r:t", "$a"), lane("!r:t", "$b"), lane("!d:t", "$d")], 2);
    await store.lanes.complete((await store.lanes.head("!r:t"))!, [reply("queued")]);
    await store.lanes.recordFailure((await store.lanes.head("!r:t"))!, { at: 5, error: "502", notBefore: 9 });
    await store.lanes.deadLetter((await store.lanes.head("!d:t"))!, { at: 6, error: "500" });
    const [before] = await store.outbox.peek(1);
    await store.outbox.remove(before!.id);
    await store.close();

    const again = await reopen!();
    expect(await again.inbox.accept("t1", txn(2), 2)).toBe(false);
    expect((await again.inbox.pending()).map((p) => p.txnId)).toEqual(["t2"]);
    expect(await again.lanes.head("!r:t")).toMatchObject({ event: { event_id: "$b" }, attempts: 1, firstFailureAt: 5, notBefore: 9 });
    const [letter] = await again.deadLetters.list(5);
    expect(letter).toMatchObject({ eventId: "$d", attempts: 1, error: "500" });
    await again.inbox.fanOut("t2", [lane("!n:t", "$n")], 7);
    expect((await again.lanes.head("!n:t"))!.seq).toBeGreaterThan(Number(letter!.id.slice(1)));
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
