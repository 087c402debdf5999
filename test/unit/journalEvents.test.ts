import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/platform/events/DomainEvent.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";
import { people } from "../../src/platform/people/people.js";

/*
 * Every service write journals exactly the domain events it emits, in the write's batch: one
 * row per DomainEvent type (the Record type makes a missing type a compile error), plus writes
 * that change nothing and so journal nothing.
 */

type World = Awaited<ReturnType<typeof world>>;
type Expected = { event: DomainEvent; audience: string[] };

async function world() {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const [alice, bob, carol] = [await p.person("alice"), await p.person("bob"), await p.person("carol")];
  const room = await p.chat.createRoom(alice, { name: "talk", invite: ["bob"] });
  await p.chat.invite(bob, room.id, "bob");
  const message = await p.chat.send(alice, room.id, { body: "hello" });
  const post = await p.blogs.createPost(people.fromId("alice"), "alice", { title: "First", body: "text" });
  const comment = await p.comments.addComment(people.fromId("bob"), post.id, { body: "nice" });
  await p.reactions.add(await p.person("bob"), { kind: "message", id: message.id }, "👍");
  return { store, p, alice, bob, carol, room, message, post, comment };
}

const row = (type: DomainEvent["type"], fields: Record<string, unknown>, audience: string[]): Expected =>
  ({ event: { type, ...fields } as DomainEvent, audience });

const cases: Record<DomainEvent["type"], (w: World) => Promise<Expected[]>> = {
  "room.created": async ({ p, alice }) => {
    const room = await p.chat.createRoom(alice, { name: "new", invite: ["carol"] });
    return [
      row("room.created", { roomId: room.id, by: "alice" }, ["alice", "carol"]),
      row("member.changed", { roomId: room.id, member: "carol", membership: "invite", by: "alice" }, ["alice", "carol"]),
    ];
  },
  "member.changed": async ({ p, alice, room }) => {
    await p.chat.invite(alice, room.id, "carol");
    return [row("member.changed", { roomId: room.id, member: "carol", membership: "invite", by: "alice" }, ["alice", "bob", "carol"])];
  },
  "message.created": async ({ p, bob, room }) => {
    const sent = await p.chat.send(bob, room.id, { body: "hi" });
    return [row("message.created", { roomId: room.id, messageId: sent.id, by: "bob" }, ["alice", "bob"])];
  },
  "message.edited": async ({ p, alice, room, message }) => {
    await p.chat.edit(alice, message.id, "hello again");
    return [row("message.edited", { roomId: room.id, messageId: message.id, by: "alice", edit: 1 }, ["alice", "bob"])];
  },
  "message.deleted": async ({ p, alice, room, message }) => {
    await p.chat.delete(alice, message.id);
    return [row("message.deleted", { roomId: room.id, messageId: message.id, by: "alice" }, ["alice", "bob"])];
  },
  "message.expired": async ({ p, room, message }) => {
    await p.chat.expire(message.id);
    return [row("message.expired", { roomId: room.id, messageId: message.id, by: "alice", matrixEventIds: [] }, ["alice", "bob"])];
  },
  "message.delivery_failed": async ({ p, room, message }) => {
    await p.chat.markDeliveryFailed(message.id, "M_TOO_LARGE");
    return [row("message.delivery_failed", { roomId: room.id, messageId: message.id, by: "alice" }, ["alice", "bob"])];
  },
  "room.read": async ({ p, bob, room, message }) => {
    await p.chat.markRead(bob, room.id, message.id);
    return [row("room.read", { roomId: room.id, member: "bob", messageId: message.id, by: "bob" }, ["alice", "bob"])];
  },
  "blog.updated": async ({ p }) => {
    await p.blogs.updateBlog(people.fromId("alice"), "alice", { title: "Notes", description: "On things" });
    return [row("blog.updated", { blog: "alice", fields: ["title", "description"], by: "alice" }, ["alice"])];
  },
  "post.created": async ({ p }) => {
    const post = await p.blogs.createPost(people.fromId("alice"), "alice", { title: "Draft", body: "x", published: false });
    return [row("post.created", { blog: "alice", postId: post.id, by: "alice", published: false }, ["alice"])];
  },
  "post.edited": async ({ p, post }) => {
    await p.blogs.editPost(people.fromId("alice"), post.id, { title: "Renamed" });
    return [row("post.edited", { blog: "alice", postId: post.id, by: "alice" }, ["alice", "bob"])];
  },
  "post.deleted": async ({ p, post }) => {
    await p.blogs.deletePost(people.fromId("alice"), post.id);
    return [row("post.deleted", { blog: "alice", postId: post.id, by: "alice" }, ["alice", "bob"])];
  },
  "comment.created": async ({ p, post }) => {
    // A first-time commenter is in the audience of their own comment, as the stats will count them.
    const comment = await p.comments.addComment(people.fromId("carol"), post.id, { body: "me too" });
    return [row("comment.created", { postId: post.id, commentId: comment.id, by: "carol" }, ["alice", "bob", "carol"])];
  },
  "comment.edited": async ({ p, post, comment }) => {
    await p.comments.editComment(people.fromId("bob"), comment.id, "very nice");
    return [row("comment.edited", { postId: post.id, commentId: comment.id, by: "bob" }, ["alice", "bob"])];
  },
  "comment.deleted": async ({ p, post, comment }) => {
    await p.comments.deleteComment(people.fromId("alice"), comment.id);
    return [row("comment.deleted", { postId: post.id, commentId: comment.id, by: "alice" }, ["alice", "bob"])];
  },
  "comment.expired": async ({ p, post, comment }) => {
    await p.comments.expire(comment.id);
    return [row("comment.expired", { postId: post.id, commentId: comment.id, by: "bob", matrixEventIds: [] }, ["alice", "bob"])];
  },
  "reaction.added": async ({ p, post }) => {
    await p.reactions.add(await p.person("bob"), { kind: "post", id: post.id }, "🎉");
    return [row("reaction.added", { target: { kind: "post", id: post.id }, key: "🎉", by: "bob" }, ["alice", "bob"])];
  },
  "reaction.removed": async ({ p, room, message }) => {
    await p.reactions.remove(await p.person("bob"), { kind: "message", id: message.id }, "👍");
    return [row("reaction.removed", { target: { kind: "message", id: message.id, roomId: room.id }, key: "👍", by: "bob" }, ["alice", "bob"])];
  },
  "profile.changed": async ({ p }) => {
    await p.profiles.update(people.fromId("alice"), { displayName: "Alice", bio: "hi" });
    return [row("profile.changed", { name: "alice", fields: ["displayName", "bio"], by: "alice" }, ["alice"])];
  },
};

/** Writes that change nothing journal nothing (and emit nothing); `before` runs first, unobserved. */
const noChange: Array<[string, { before?: (w: World) => Promise<unknown>; act: (w: World) => Promise<unknown> }]> = [
  ["a reaction added twice", { act: ({ p, bob, message }) => p.reactions.add(bob, { kind: "message", id: message.id }, "👍") }],
  ["a reaction removed that is not there", { act: ({ p, bob, post }) => p.reactions.remove(bob, { kind: "post", id: post.id }, "👍") }],
  [
    "a comment deleted twice",
    { before: ({ p, comment }) => p.comments.deleteComment(people.fromId("bob"), comment.id), act: ({ p, comment }) => p.comments.deleteComment(people.fromId("bob"), comment.id) },
  ],
  [
    "a delivery failure marked twice",
    { before: ({ p, message }) => p.chat.markDeliveryFailed(message.id, "M_TOO_LARGE"), act: ({ p, message }) => p.chat.markDeliveryFailed(message.id, "M_FORBIDDEN") },
  ],
  ["a join by someone already joined", { act: ({ p, bob, room }) => p.chat.join(bob, room.id) }],
  ["a Matrix leave of someone not in the room", { act: ({ p, alice, room }) => p.chat.recordDeparture(people.fromId("@x:example.org"), room.id, { by: alice, membership: "leave" }) }],
];

async function journaledBy(w: World, act: () => Promise<unknown>) {
  const head = await w.store.journal.head();
  const emittedBefore = w.p.emitted.length;
  await act();
  const entries = await w.store.journal.read(head, 100);
  return { head, entries, emitted: w.p.emitted.slice(emittedBefore) };
}

describe("each service write journals exactly its domain events", () => {
  it.each(Object.entries(cases))("%s", async (_type, act) => {
    const w = await world();
    let expected: Expected[] = [];
    const { head, entries, emitted } = await journaledBy(w, async () => {
      expected = await act(w);
    });
    expect(entries.map((entry) => ({ event: entry.event, audience: [...entry.audience].sort() }))).toEqual(expected);
    expect(entries.map((entry) => entry.position)).toEqual(expected.map((_, i) => head + i + 1));
    // The in-memory bus (long-polls) gets the same events, after the commit, in journal order.
    expect(emitted).toEqual(entries.map(({ position: _, ...published }) => published));
  });

  it.each(noChange)("nothing for %s", async (_what, { before, act }) => {
    const w = await world();
    await before?.(w);
    const { entries, emitted } = await journaledBy(w, () => act(w));
    expect(entries).toEqual([]);
    expect(emitted).toEqual([]);
  });

  it("the setup itself journaled one entry per change, gap-free from 1", async () => {
    const w = await world();
    const entries = await w.store.journal.read(0, 100);
    expect(entries.map((entry) => entry.event.type)).toEqual([
      "room.created",
      "member.changed",
      "member.changed",
      "message.created",
      "post.created",
      "comment.created",
      "reaction.added",
    ]);
    expect(entries.map((entry) => entry.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
