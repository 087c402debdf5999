import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/platform/chat/Room.js";
import type { PublishedEvent } from "../../src/platform/events/DomainEvent.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";
import { asPersonId } from "../../src/platform/people/Person.js";
import { asMessageId, asRoomId } from "../../src/platform/ids.js";

/** The journal's contract for every store implementation. */
const implementations: [string, () => Promise<{ store: Store; reopen?: () => Promise<Store> }>][] = [
  ["memory-level", async () => ({ store: storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel) })],
  [
    "level",
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "mirage-journal-"));
      return { store: await openLevelStore(dir), reopen: () => openLevelStore(dir) };
    },
  ],
];

const message = (roomId: string, n: number): Omit<Message, "seq"> => ({
  id: asMessageId(`m_${roomId}_${n}`),
  roomId: asRoomId(roomId),
  sender: asPersonId("alice"),
  body: `#${n}`,
  html: `<p>#${n}</p>`,
  createdAt: n,
  deleted: false,
});
const created = (m: Omit<Message, "seq">, audience: unknown = ["alice"]): PublishedEvent[] => [
  { event: { type: "message.created", roomId: m.roomId, messageId: m.id, by: "alice" }, audience: audience as string[], at: m.createdAt },
];

describe.each(implementations)("journal contract: %s", (_name, make) => {
  it("concurrent writes through several repositories get gap-free positions in commit order", async () => {
    const { store } = await make();
    const writes: Promise<unknown>[] = [];
    for (let n = 1; n <= 30; n++) {
      for (const roomId of ["r1", "r2"]) {
        const m = message(roomId, n);
        writes.push(store.messages.append(m, created(m)));
      }
      writes.push(
        store.rooms.setMembership({ roomId: asRoomId("r1"), member: asPersonId(`u${n}`), membership: "invite", by: asPersonId("alice"), at: n }, [
          { event: { type: "member.changed", roomId: "r1", member: `u${n}`, membership: "invite", by: "alice" }, audience: ["alice"], at: n },
        ]),
      );
    }
    await Promise.all(writes);
    const entries = await store.journal.read(0, 1000);
    expect(entries.map((entry) => entry.position)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    expect(await store.journal.head()).toBe(90);
    // Within a room, journal order is the order the timeline committed the messages in.
    for (const roomId of ["r1", "r2"]) {
      const journaled = entries.flatMap((entry) => (entry.event.type === "message.created" && entry.event.roomId === roomId ? [entry.event.messageId] : []));
      const timeline = (await store.messages.page(asRoomId(roomId), { limit: 100 })).reverse().map((m) => m.id);
      expect(journaled).toEqual(timeline);
    }
    expect(await store.journal.read(88, 10)).toHaveLength(2);
    await store.close();
  });

  it("a change and its event are one batch: a failing write leaves neither, and uses no position", async () => {
    const { store } = await make();
    const first = message("r", 1);
    await store.messages.append(first, created(first));
    // An event that cannot be encoded fails the whole batch.
    const broken = message("r", 2);
    await expect(store.messages.append(broken, created(broken, [1n]))).rejects.toThrow();
    expect(await store.messages.get(broken.id)).toBeUndefined();
    expect(await store.messages.page(asRoomId("r"), { limit: 10 })).toHaveLength(1);
    const next = message("r", 3);
    await store.messages.append(next, created(next));
    const entries = await store.journal.read(0, 10);
    expect(entries.map((entry) => [entry.position, "messageId" in entry.event ? entry.event.messageId : ""])).toEqual([
      [1, first.id],
      [2, next.id],
    ]);
    await store.close();
  });

  it("a write without events journals nothing; one that changes nothing drops its events", async () => {
    const { store } = await make();
    const m = message("r", 1);
    await store.messages.append(m);
    const reaction = { target: { kind: "message" as const, id: m.id }, key: "👍", by: asPersonId("bob"), at: 1 };
    const added: PublishedEvent[] = [{ event: { type: "reaction.added", target: reaction.target, key: "👍", by: "bob" }, audience: ["bob"], at: 1 }];
    expect(await store.reactions.add(reaction, { keysPerTarget: 5, keysPerPerson: 5 }, added)).toBe("added");
    expect(await store.reactions.add(reaction, { keysPerTarget: 5, keysPerPerson: 5 }, added)).toBe("present");
    expect(await store.reactions.remove(reaction.target, asPersonId("carol"), "👍", added)).toBe(false);
    expect((await store.journal.read(0, 10)).map((entry) => entry.position)).toEqual([1]);
    await store.close();
  });

  it("prunes at most `limit` entries at or before a position; positions are never reused", async () => {
    const { store, reopen } = await make();
    for (let n = 1; n <= 5; n++) {
      const m = message("r", n);
      await store.messages.append(m, created(m));
    }
    expect(await store.journal.prune(4, 3)).toBe(3);
    expect((await store.journal.read(0, 10)).map((entry) => entry.position)).toEqual([4, 5]);
    expect(await store.journal.prune(4, 3)).toBe(1);
    expect(await store.journal.prune(5, 3)).toBe(1);
    expect(await store.journal.read(0, 10)).toEqual([]);
    let current = store;
    if (reopen) {
      await store.close();
      current = await reopen();
    }
    expect(await current.journal.head()).toBe(5);
    const m = message("r", 6);
    await current.messages.append(m, created(m));
    expect((await current.journal.read(0, 10)).map((entry) => entry.position)).toEqual([6]);
    await current.close();
  });

  it("keeps cursors per consumer, durably; a dead letter moves the cursor and can be put back for that consumer", async () => {
    const { store, reopen } = await make();
    for (let n = 1; n <= 3; n++) {
      const m = message("!room", n);
      await store.messages.append(m, created(m));
    }
    expect(await store.journal.cursor("relay")).toEqual({ position: 0, attempts: 0 });
    await store.journal.setCursor("relay", { position: 1, attempts: 2, firstFailureAt: 5, notBefore: 9 });
    const [second] = await store.journal.read(1, 1);
    await store.journal.deadLetter("other", second!, { at: 7, error: "BOOM", attempts: 3, firstFailureAt: 5 }, "cursor");
    let current = store;
    if (reopen) {
      await store.close();
      current = await reopen();
    }
    expect(await current.journal.cursor("relay")).toEqual({ position: 1, attempts: 2, firstFailureAt: 5, notBefore: 9 });
    expect(await current.journal.cursor("other")).toEqual({ position: 2, attempts: 0 });
    const [letter] = await current.deadLetters.list(10);
    expect(letter).toEqual({
      id: "j2:other",
      source: "journal:other",
      roomId: "!room",
      eventId: "",
      eventType: "message.created",
      sender: asPersonId("alice"),
      attempts: 3,
      firstFailureAt: 5,
      lastFailureAt: 7,
      error: "BOOM",
    });
    expect(await current.deadLetters.requeue("j2:relay")).toBe(false);
    expect(await current.deadLetters.requeue("j2:other")).toBe(true);
    expect(await current.deadLetters.count()).toBe(0);
    expect(await current.journal.retries("other", 10)).toEqual([{ entry: second, attempts: 0 }]);
    expect(await current.journal.retries("relay", 10)).toEqual([]);
    await current.journal.completeRetry("other", 2);
    expect(await current.journal.retries("other", 10)).toEqual([]);
    await current.close();
  });
});
