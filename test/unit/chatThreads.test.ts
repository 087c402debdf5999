import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { asMessageId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { MAIN_TIMELINE_SCAN, mainTimelinePage } from "../../src/platform/chat/timelinePages.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Threads and quoting replies, both: where a message goes, what the listings show, and the kinds. */

async function world() {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const bob = people.matrix("@bob:example.org" as MatrixUserId);
  const room = await p.chat.createRoom(alice, { name: "talk", invite: ["@bob:example.org"] });
  await p.chat.join(bob, room.id);
  const other = await p.chat.createRoom(alice, { name: "elsewhere" });
  return { store, p, alice, bob, room, other };
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("threads and quoting replies", () => {
  it("a quoting reply stays in the main timeline; a reply to an in-thread message joins that thread", async () => {
    const { p, alice, bob, room } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const quote = await p.chat.send(bob, room.id, { body: "quoting", parentId: root.id });
    expect(quote.parentId).toBe(root.id);
    expect(quote.threadId).toBeUndefined();
    const first = await p.chat.send(bob, room.id, { body: "in thread", threadId: root.id });
    expect(first).toMatchObject({ threadId: root.id });
    expect(first.parentId).toBeUndefined();
    // Only parentId, naming an in-thread message: the reply is in that thread, answering it.
    const derived = await p.chat.send(alice, room.id, { body: "answer", parentId: first.id });
    expect(derived).toMatchObject({ threadId: root.id, parentId: first.id });
    // An in-thread reply to the root itself.
    expect(await p.chat.send(alice, room.id, { body: "to the root", threadId: root.id, parentId: root.id })).toMatchObject({ threadId: root.id, parentId: root.id });
  });

  it("refuses roots and parents that are not in the room, missing, inside a thread, or outside the named thread", async () => {
    const { p, alice, room, other } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const inThread = await p.chat.send(alice, room.id, { body: "reply", threadId: root.id });
    const otherRoot = await p.chat.send(alice, room.id, { body: "another root" });
    const elsewhere = await p.chat.send(alice, other.id, { body: "elsewhere" });
    const send = (input: object) => p.chat.send(alice, room.id, { body: "x", ...input });
    await expect(send({ threadId: elsewhere.id })).rejects.toThrow(code("INVALID_INPUT"));
    await expect(send({ parentId: elsewhere.id })).rejects.toThrow(code("INVALID_INPUT"));
    await expect(send({ threadId: asMessageId("m_AAAAAAAAAAAAAAAA") })).rejects.toThrow(code("INVALID_INPUT"));
    await expect(send({ threadId: inThread.id })).rejects.toThrow(/root, not a message inside a thread/);
    await expect(send({ threadId: root.id, parentId: otherRoot.id })).rejects.toThrow(/thread's root or a message in that thread/);
    await expect(send({ kind: "shout" })).rejects.toThrow(code("INVALID_INPUT"));
  });

  it("a tombstoned root still takes replies, and keeps its summary", async () => {
    const { p, alice, bob, room } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    await p.chat.delete(alice, root.id);
    const reply = await p.chat.send(bob, room.id, { body: "late", threadId: root.id });
    const [listed] = await p.chat.messages(alice, room.id, { limit: 10 });
    expect(listed).toMatchObject({ id: root.id, deleted: true, threadSummary: { count: 1, latestId: reply.id } });
  });

  it("the main listing leaves thread replies out and gives roots their summary; ?threadId lists the thread, root last", async () => {
    const { p, alice, bob, room } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await p.chat.send(i % 2 ? alice : bob, room.id, { body: `r${i}`, threadId: root.id }));
    const after = await p.chat.send(alice, room.id, { body: "after" });
    const main = await p.chat.page(alice, room.id, { limit: 10 });
    expect(main.messages.map((m) => m.body)).toEqual(["after", "root"]);
    expect(main.messages[1]).toMatchObject({ threadSummary: { count: 3, latestId: replies[2]!.id } });
    expect(main.messages[0]!.threadSummary).toBeUndefined();
    expect(main.nextBefore).toBeUndefined();

    const thread = await p.chat.page(bob, room.id, { limit: 10, threadId: root.id });
    expect(thread.messages.map((m) => m.body)).toEqual(["r2", "r1", "r0", "root"]);
    expect(thread.nextBefore).toBeUndefined();
    // Paged: a full page of replies, then the rest with the root.
    const first = await p.chat.page(bob, room.id, { limit: 2, threadId: root.id });
    expect(first.messages.map((m) => m.body)).toEqual(["r2", "r1"]);
    const rest = await p.chat.page(bob, room.id, { limit: 2, threadId: root.id, beforeSeq: first.nextBefore! });
    expect(rest.messages.map((m) => m.body)).toEqual(["r0", "root"]);
    expect(rest.nextBefore).toBeUndefined();
    // Neither a reply nor another room's message names a thread.
    await expect(p.chat.page(bob, room.id, { limit: 2, threadId: replies[0]!.id })).rejects.toThrow(code("NOT_FOUND"));
    expect(after.threadId).toBeUndefined();
  });

  it("main-timeline pages skip past many thread replies and page on from where they stopped", async () => {
    const { p, alice, room } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    for (let i = 0; i < 25; i++) await p.chat.send(alice, room.id, { body: `t${i}`, threadId: root.id });
    const newest = await p.chat.send(alice, room.id, { body: "newest" });
    const first = await p.chat.page(alice, room.id, { limit: 1 });
    expect(first.messages.map((m) => m.id)).toEqual([newest.id]);
    expect(first.nextBefore).toBe(newest.seq);
    const second = await p.chat.page(alice, room.id, { limit: 1, beforeSeq: first.nextBefore! });
    expect(second.messages.map((m) => m.id)).toEqual([root.id]);
    expect(second.nextBefore).toBeUndefined();
  });

  it("one main-timeline page reads a bounded number of messages, then says where to go on", async () => {
    const { store, alice, p, room } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const reply = { roomId: room.id, sender: "alice" as never, body: "r", html: "r", threadId: root.id, createdAt: 1, deleted: false };
    for (let i = 0; i < MAIN_TIMELINE_SCAN + 5; i++) await store.messages.append({ ...reply, id: asMessageId(`m_reply${i}`) });
    // A page size that does not divide the bound: the bound still holds exactly.
    const first = await mainTimelinePage(store.messages, room.id, { limit: 70 });
    expect(first).toEqual({ messages: [], nextBefore: root.seq + 6 });
    const second = await mainTimelinePage(store.messages, room.id, { limit: 70, beforeSeq: first.nextBefore! });
    expect(second).toEqual({ messages: [expect.objectContaining({ id: root.id })] });
  });

  it("keeps the kind (notice, emote) through edits, text by default", async () => {
    const { p, alice, bob, room } = await world();
    const notice = await p.chat.send(bob, room.id, { body: "automated", kind: "notice" });
    const emote = await p.chat.send(alice, room.id, { body: "waves", kind: "emote" });
    const text = await p.chat.send(alice, room.id, { body: "plain" });
    expect([notice.kind, emote.kind, text.kind ?? "text"]).toEqual(["notice", "emote", "text"]);
    expect((await p.chat.edit(alice, emote.id, "waves again")).kind).toBe("emote");
  });
});
