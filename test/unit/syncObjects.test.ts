import { describe, expect, it, vi } from "vitest";
import { apiHarness } from "../support/apiHarness.js";

/*
 * Sync events carry what they name, read when the answer is made, as the recipient may read it
 * through the thing's own read route: each case compares the object with that route's answer.
 */

interface SyncedEvent {
  kind: string;
  roomId?: string;
  data: Record<string, unknown>;
  object?: any;
}

async function setup() {
  const h = await apiHarness();
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const carol = await h.signUp("carol");
  const position = async (token: string) => (await h.json("GET", "/api/v1/sync", undefined, token)).body.next as string;
  /** Everything in `token`'s stream after `since`, without waiting. */
  const syncedSince = async (since: string, token: string): Promise<SyncedEvent[]> => {
    const events: SyncedEvent[] = [];
    for (let next = since; ; ) {
      const res = await h.json("GET", `/api/v1/sync?since=${encodeURIComponent(next)}&timeout=0`, undefined, token);
      expect(res.status).toBe(200);
      if (res.body.events.length === 0) return events;
      events.push(...res.body.events);
      next = res.body.next;
    }
  };
  /** A group room of alice's that bob joined. */
  const room = async () => {
    const created = (await h.json("POST", "/api/v1/rooms", { name: "Plans", invite: ["bob"] }, alice)).body;
    await h.json("POST", `/api/v1/rooms/${created.id}/members`, { handle: "bob" }, bob);
    return created.id as string;
  };
  return { ...h, alice, bob, carol, position, syncedSince, room };
}

describe("sync events carry their objects", () => {
  it("a message event carries the message as GET /rooms/{id}/messages shows it to the reader, sender profile and reactions included", async () => {
    const { json, alice, bob, position, syncedSince, room } = await setup();
    await json("PATCH", "/api/v1/me/profile", { displayName: "Alice A." }, alice);
    const roomId = await room();
    const since = await position(bob);
    const sent = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "hello *bob*" }, alice)).body;
    await json("PUT", `/api/v1/messages/${sent.id}/reactions/${encodeURIComponent("👍")}`, undefined, bob);

    const events = await syncedSince(since, bob);
    expect(events.map((e) => e.kind)).toEqual(["message.created", "reaction.added"]);
    const [page] = [(await json("GET", `/api/v1/rooms/${roomId}/messages`, undefined, bob)).body.messages];
    expect(events[0]!.object).toEqual(page[0]);
    expect(events[0]!.object).toMatchObject({ id: sent.id, body: "hello *bob*", sender: "alice", senderProfile: { displayName: "Alice A." }, reactions: { "👍": 1 }, myReactions: ["👍"] });
    expect(events[1]!.object).toEqual({ reactions: { "👍": 1 }, myReactions: ["👍"] });
  });

  it("reaction counts are the reader's own: mine is true only for the keys they used", async () => {
    const { json, alice, bob, position, syncedSince, room } = await setup();
    const roomId = await room();
    const sent = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "vote" }, alice)).body;
    const [sinceA, sinceB] = [await position(alice), await position(bob)];
    await json("PUT", `/api/v1/messages/${sent.id}/reactions/yes`, undefined, alice);
    await json("PUT", `/api/v1/messages/${sent.id}/reactions/yes`, undefined, bob);
    await json("PUT", `/api/v1/messages/${sent.id}/reactions/no`, undefined, bob);
    await json("DELETE", `/api/v1/messages/${sent.id}/reactions/no`, undefined, bob);
    const forAlice = await syncedSince(sinceA, alice);
    const forBob = await syncedSince(sinceB, bob);
    // Read when the answer is made: every event shows the counts as they are now, as the reaction routes answer them.
    const current = { reactions: { yes: 2 }, myReactions: ["yes"] };
    expect(forAlice.map((e) => e.object)).toEqual(forAlice.map(() => current));
    expect(forBob.map((e) => e.kind)).toEqual(["reaction.added", "reaction.added", "reaction.added", "reaction.removed"]);
    expect(forBob.at(-1)!.object).toEqual(current);
    const summary = (await json("PUT", `/api/v1/messages/${sent.id}/reactions/yes`, undefined, bob)).body;
    expect(summary).toMatchObject(forBob.at(-1)!.object);
    // Each reader's own keys: bob's "no", while it lasted, was never alice's.
    const sinceA2 = await position(alice);
    await json("PUT", `/api/v1/messages/${sent.id}/reactions/no`, undefined, bob);
    expect((await syncedSince(sinceA2, alice)).map((e) => e.object)).toEqual([{ reactions: { yes: 2, no: 1 }, myReactions: ["yes"] }]);
  });

  it("a message edited twice in one answer carries its current text in both events; deleted and expired ones carry nothing", async () => {
    const { json, alice, bob, position, syncedSince, room, chat } = await setup();
    const roomId = await room();
    const since = await position(bob);
    const sent = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "v1" }, alice)).body;
    await json("PATCH", `/api/v1/messages/${sent.id}`, { body: "v2" }, alice);
    await json("PATCH", `/api/v1/messages/${sent.id}`, { body: "v3" }, alice);
    const events = await syncedSince(since, bob);
    expect(events.map((e) => [e.kind, e.object?.body])).toEqual([
      ["message.created", "v3"],
      ["message.edited", "v3"],
      ["message.edited", "v3"],
    ]);

    const afterEdits = await position(bob);
    const gone = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "short-lived" }, alice)).body;
    expect(await chat.expire(gone.id)).toBe(true);
    await json("DELETE", `/api/v1/messages/${sent.id}`, undefined, alice);
    const later = await syncedSince(afterEdits, bob);
    expect(later.map((e) => e.kind)).toEqual(["message.created", "message.expired", "message.deleted"]);
    // The expired message is gone: its created event has no object; deletions never carry one.
    expect(later.map((e) => "object" in e)).toEqual([false, false, false]);
    expect(JSON.stringify(later)).not.toContain("short-lived");
  });

  it("never carries what the recipient may not read, even when the event reached them", async () => {
    const { json, alice, bob, carol, position, syncedSince, room, events: bus } = await setup();
    const roomId = await room();
    const secret = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "sekrit plan" }, alice)).body;
    const draft = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Draft", body: "sekrit draft", published: false }, alice)).body;
    const published = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Out", body: "public words" }, alice)).body;
    const comment = (await json("POST", `/api/v1/posts/${draft.id}/comments`, { body: "sekrit note" }, alice)).body;

    // Addressed to carol, who is in neither the room nor the draft's audience (as a faulty audience would).
    const since = await position(carol);
    const at = Date.now();
    bus.emit({ type: "message.created", roomId, messageId: secret.id, by: "alice" }, ["carol"], at);
    bus.emit({ type: "reaction.added", target: { kind: "message", id: secret.id, roomId }, key: "x", by: "alice" }, ["carol"], at);
    bus.emit({ type: "room.created", roomId, by: "alice" }, ["carol"], at);
    bus.emit({ type: "post.created", blog: "alice", postId: draft.id, by: "alice", published: false }, ["carol"], at);
    bus.emit({ type: "comment.created", postId: draft.id, commentId: comment.id, by: "alice" }, ["carol"], at);
    bus.emit({ type: "reaction.added", target: { kind: "post", id: draft.id }, key: "x", by: "alice" }, ["carol"], at);
    bus.emit({ type: "post.edited", blog: "alice", postId: published.id, by: "alice" }, ["carol"], at);
    const heard = await syncedSince(since, carol);
    expect(heard).toHaveLength(7);
    expect(heard.slice(0, 6).map((e) => e.object)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(JSON.stringify(heard)).not.toContain("sekrit");
    // …the same reads carol would be refused:
    expect((await json("GET", `/api/v1/rooms/${roomId}/messages`, undefined, carol)).status).toBe(404);
    expect((await json("GET", `/api/v1/posts/${draft.id}`, undefined, carol)).status).toBe(404);
    // A public post is public: the last one carries it.
    expect(heard[6]!.object).toEqual((await json("GET", `/api/v1/posts/${published.id}`, undefined, carol)).body);

    // The owner, who may read the draft, gets it; bob, who left the room, no longer gets its messages.
    const forAlice = await position(alice);
    const forBob = await position(bob);
    await json("DELETE", `/api/v1/rooms/${roomId}/members/me`, undefined, bob);
    bus.emit({ type: "post.created", blog: "alice", postId: draft.id, by: "alice", published: false }, ["alice"], at);
    bus.emit({ type: "message.edited", roomId, messageId: secret.id, by: "alice" }, ["bob"], at);
    expect((await syncedSince(forAlice, alice)).at(-1)!.object).toMatchObject({ id: draft.id, body: "sekrit draft", published: false });
    const bobHeard = await syncedSince(forBob, bob);
    expect(bobHeard.map((e) => [e.kind, e.object?.id])).toEqual([
      ["member.changed", undefined],
      ["message.edited", undefined],
    ]);
  });

  it("comments, posts and rooms carry the JSON of their read routes", async () => {
    const { json, alice, bob, position, syncedSince, room } = await setup();
    const post = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Hello", body: "first" }, alice)).body;
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "me first" }, bob);
    const since = await position(alice);
    const sinceBob = await position(bob);
    const comment = (await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "nice *post*" }, bob)).body;
    await json("PATCH", `/api/v1/posts/${post.id}`, { body: "second" }, alice);
    await json("PUT", `/api/v1/comments/${comment.id}/reactions/ok`, undefined, alice);
    const roomId = await room();

    const events = await syncedSince(since, alice);
    const byKind = (kind: string) => events.find((e) => e.kind === kind)!.object;
    const comments = (await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, alice)).body.comments;
    expect(byKind("comment.created")).toEqual(comments.find((c: { id: string }) => c.id === comment.id));
    expect(byKind("post.edited")).toEqual((await json("GET", `/api/v1/posts/${post.id}`, undefined, alice)).body);
    expect(byKind("reaction.added")).toEqual({ reactions: { ok: 1 }, myReactions: ["ok"] });
    const roomForAlice = (await json("GET", `/api/v1/rooms/${roomId}`, undefined, alice)).body;
    expect(byKind("room.created")).toEqual(roomForAlice);
    expect(events.filter((e) => e.kind === "member.changed").map((e) => e.object)).toEqual([roomForAlice, roomForAlice]);

    // Bob was invited and joined: his room events show his own membership.
    const forBob = await syncedSince(sinceBob, bob);
    expect(forBob.find((e) => e.kind === "room.created")!.object).toEqual((await json("GET", `/api/v1/rooms/${roomId}`, undefined, bob)).body);
  });

  it("your own read marker moving carries the room with your new unread count; others' reads carry nothing", async () => {
    const { json, alice, bob, position, syncedSince, room } = await setup();
    const roomId = await room();
    const one = (await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "one" }, alice)).body;
    await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "two" }, alice);
    const [sinceA, sinceB] = [await position(alice), await position(bob)];
    expect((await json("PUT", `/api/v1/rooms/${roomId}/read`, { messageId: one.id }, bob)).status).toBe(204);

    const forBob = await syncedSince(sinceB, bob);
    expect(forBob.map((e) => e.kind)).toEqual(["room.read"]);
    const roomForBob = (await json("GET", `/api/v1/rooms/${roomId}`, undefined, bob)).body;
    expect(forBob[0]!.object).toEqual(roomForBob);
    expect(forBob[0]!.object).toMatchObject({ unreadCount: 1, readUpTo: one.id, lastMessage: { sender: "alice", senderProfile: { displayName: "alice" } } });
    const forAlice = await syncedSince(sinceA, alice);
    expect(forAlice.map((e) => [e.kind, "object" in e])).toEqual([["room.read", false]]);
  });

  it("reads each thing once per answer and nothing per member of the room", async () => {
    const { json, alice, bob, position, syncedSince, room, store, signUp } = await setup();
    const roomId = await room();
    for (let i = 0; i < 8; i++) {
      const name = `member${i}`;
      const token = await signUp(name);
      await json("POST", `/api/v1/rooms/${roomId}/members`, { handle: name }, alice);
      await json("POST", `/api/v1/rooms/${roomId}/members`, { handle: name }, token);
    }
    const since = await position(bob);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: `m${i}` }, alice)).body.id);
    for (const id of ids) await json("PATCH", `/api/v1/messages/${id}`, { body: "edited" }, alice);
    for (const id of ids) await json("PUT", `/api/v1/messages/${id}/reactions/ok`, undefined, alice);

    const get = vi.spyOn(store.messages, "get");
    const members = vi.spyOn(store.rooms, "members");
    const membership = vi.spyOn(store.rooms, "membership");
    const events = await syncedSince(since, bob);
    expect(events).toHaveLength(15);
    expect(events.every((e) => e.object !== undefined)).toBe(true);
    expect(get).toHaveBeenCalledTimes(ids.length);
    expect(members).not.toHaveBeenCalled();
    expect(membership).toHaveBeenCalledTimes(1);
  });

  it("an unexpected failure to read an object leaves the event without it; the answer is still given", async () => {
    const { json, alice, bob, position, syncedSince, room, store } = await setup();
    const roomId = await room();
    const since = await position(bob);
    await json("POST", `/api/v1/rooms/${roomId}/messages`, { body: "hi" }, alice);
    vi.spyOn(store.messages, "get").mockRejectedValue(new Error("disk on fire"));
    const events = await syncedSince(since, bob);
    expect(events.map((e) => [e.kind, "object" in e])).toEqual([["message.created", false]]);
  });
});
