import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { UNREAD_COUNT_MAX } from "../../src/platform/chat/roomActivity.js";
import { asMessageId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Read markers on the platform: forward only, journaled as room.read, moved by sending, dropped on leaving, and the unread counts they give. */

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  let clock = 1_000;
  const p = platformOverStore(store, { now: () => clock++ });
  const [alice, bob, carol] = [await p.person("alice"), await p.person("bob"), await p.person("carol")];
  const room = await p.chat.createRoom(alice, { name: "talk", invite: ["bob", "carol"] });
  await p.chat.join(bob, room.id);
  return { store, p, alice, bob, carol, room };
}

const reads = (w: Awaited<ReturnType<typeof world>>) => w.p.emitted.filter((e) => e.event.type === "room.read");

describe("read markers", () => {
  it("move forward only, each move journaled as room.read to the room's readers; an older or the same message is a no-op", async () => {
    const w = await world();
    const [m1, m2, m3] = [await w.p.chat.send(w.alice, w.room.id, { body: "one" }), await w.p.chat.send(w.alice, w.room.id, { body: "two" }), await w.p.chat.send(w.alice, w.room.id, { body: "three" })];
    const head = await w.store.journal.head();

    expect(await w.p.chat.markRead(w.bob, w.room.id, m2.id)).toBe(true);
    expect(reads(w)).toEqual([expect.objectContaining({ event: { type: "room.read", roomId: w.room.id, member: "bob", messageId: m2.id, by: "bob" }, audience: ["alice", "bob"] })]);
    expect((await w.store.journal.read(head, 10)).map((e) => e.event.type)).toEqual(["room.read"]);

    expect(await w.p.chat.markRead(w.bob, w.room.id, m1.id)).toBe(false);
    expect(await w.p.chat.markRead(w.bob, w.room.id, m2.id)).toBe(false);
    expect(reads(w)).toHaveLength(1);
    expect(await w.store.journal.head()).toBe(head + 1);
    expect((await w.p.chat.readMarkers(w.room.id)).get(people.id(w.bob))).toBe(m2.id);

    expect(await w.p.chat.markRead(w.bob, w.room.id, m3.id)).toBe(true);
    expect((await w.p.chat.readMarkers(w.room.id)).get(people.id(w.bob))).toBe(m3.id);
  });

  it("are for members who may read the room, and for messages of that room", async () => {
    const w = await world();
    const other = await w.p.chat.createRoom(w.alice, { name: "elsewhere" });
    const there = await w.p.chat.send(w.alice, other.id, { body: "there" });
    const here = await w.p.chat.send(w.alice, w.room.id, { body: "here" });
    const dave = await w.p.person("dave");
    await expect(w.p.chat.markRead(dave, w.room.id, here.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(w.p.chat.markRead(w.carol, w.room.id, here.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(w.p.chat.markRead(w.bob, w.room.id, there.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(w.p.chat.markRead(w.bob, w.room.id, asMessageId("m_AAAAAAAAAAAAAAAA"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(reads(w)).toEqual([]);
  });

  it("sending moves the sender's own marker in the message's batch, without a room.read of its own", async () => {
    const w = await world();
    const first = await w.p.chat.send(w.alice, w.room.id, { body: "one" });
    expect(await w.p.chat.markRead(w.bob, w.room.id, first.id)).toBe(true);
    const reply = await w.p.chat.send(w.bob, w.room.id, { body: "in thread", threadId: first.id });
    expect(Object.fromEntries(await w.p.chat.readMarkers(w.room.id))).toEqual({ alice: first.id, bob: reply.id });
    expect(reads(w)).toHaveLength(1);
    // The thread reply is after the root: marking the root now is a no-op.
    expect(await w.p.chat.markRead(w.bob, w.room.id, first.id)).toBe(false);
    expect(await w.p.chat.activity(w.bob, w.room.id)).toMatchObject({ unreadCount: 0, readUpTo: reply.id });
  });

  it("a marker at a message deleted or expired since still orders, and unread counts skip what is gone", async () => {
    const w = await world();
    const sent = [];
    for (const body of ["a", "b", "c", "d", "e"]) sent.push(await w.p.chat.send(w.alice, w.room.id, { body }));
    await w.p.chat.markRead(w.bob, w.room.id, sent[2]!.id);
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(2);
    expect(await w.p.chat.expire(sent[2]!.id)).toBe(true);
    expect(await w.p.chat.activity(w.bob, w.room.id)).toMatchObject({ unreadCount: 2, readUpTo: sent[2]!.id });
    // Ordered by the position kept with the marker: an older message is still behind it, a newer one ahead.
    expect(await w.p.chat.markRead(w.bob, w.room.id, sent[1]!.id)).toBe(false);
    await w.p.chat.delete(w.alice, sent[4]!.id);
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(1);
    await w.p.chat.expire(sent[3]!.id);
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(0);
    expect(await w.p.chat.markRead(w.bob, w.room.id, sent[4]!.id)).toBe(true);
  });

  it("leaving drops the member's marker: back in the room, every message is unread again", async () => {
    const w = await world();
    const one = await w.p.chat.send(w.alice, w.room.id, { body: "one" });
    await w.p.chat.send(w.alice, w.room.id, { body: "two" });
    await w.p.chat.markRead(w.bob, w.room.id, one.id);
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(1);
    await w.p.chat.leave(w.bob, w.room.id);
    expect((await w.p.chat.readMarkers(w.room.id)).has(people.id(w.bob))).toBe(false);
    await w.p.chat.invite(w.alice, w.room.id, "bob");
    await w.p.chat.join(w.bob, w.room.id);
    const activity = await w.p.chat.activity(w.bob, w.room.id);
    expect(activity.unreadCount).toBe(2);
    expect(activity.readUpTo).toBeUndefined();
  });

  it("a kick or ban drops the marker too", async () => {
    const w = await world();
    const one = await w.p.chat.send(w.alice, w.room.id, { body: "one" });
    await w.p.chat.markRead(w.bob, w.room.id, one.id);
    await w.p.chat.removeMember(w.alice, w.room.id, "bob", { ban: true });
    expect([...(await w.p.chat.readMarkers(w.room.id)).keys()]).toEqual(["alice"]);
  });

  it("activity: others' messages after the marker, the newest message that is not deleted as a plain-text excerpt, nothing for an invitee", async () => {
    const w = await world();
    expect(await w.p.chat.activity(w.bob, w.room.id)).toEqual({ unreadCount: 0 });
    const hello = await w.p.chat.send(w.alice, w.room.id, { body: "hello <b>&</b> welcome" });
    const last = await w.p.chat.send(w.alice, w.room.id, { body: "x".repeat(500) });
    expect(await w.p.chat.activity(w.bob, w.room.id)).toMatchObject({ unreadCount: 2, lastMessage: { id: last.id, sender: "alice", createdAt: last.createdAt } });
    expect((await w.p.chat.activity(w.bob, w.room.id)).lastMessage!.excerpt).toBe(`${"x".repeat(139)}…`);
    await w.p.chat.delete(w.alice, last.id);
    // The stand-in renderer escapes the Markdown into HTML; the excerpt is its text again.
    expect((await w.p.chat.activity(w.bob, w.room.id)).lastMessage).toMatchObject({ id: hello.id, excerpt: "hello <b>&</b> welcome" });
    expect(await w.p.chat.activity(w.alice, w.room.id)).toMatchObject({ unreadCount: 0, readUpTo: last.id });
    expect(await w.p.chat.activity(w.carol, w.room.id)).toEqual({ unreadCount: 0 });
  });

  it(`unread counts stop at ${UNREAD_COUNT_MAX}`, async () => {
    const w = await world();
    for (let i = 0; i < UNREAD_COUNT_MAX + 5; i++) await w.store.messages.append({ id: asMessageId(`m_${i}`), roomId: w.room.id, sender: people.id(w.alice), body: "b", html: "<p>b</p>", createdAt: i, deleted: false });
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(UNREAD_COUNT_MAX);
    await w.p.chat.markRead(w.bob, w.room.id, asMessageId("m_10"));
    expect((await w.p.chat.activity(w.bob, w.room.id)).unreadCount).toBe(UNREAD_COUNT_MAX - 6);
  });
});
