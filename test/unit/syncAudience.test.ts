import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";

/*
 * Who hears of a change through GET /api/v1/sync is who may read its target at that moment, by
 * the same rule the read routes apply: each case checks both sides for the same person.
 */

interface SyncedEvent {
  kind: string;
  roomId?: string;
  data: { type: string; messageId?: string; postId?: string; commentId?: string; key?: string; target?: { kind: string; id: string } };
}

async function setup() {
  const h = await apiHarness();
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const carol = await h.signUp("carol");
  /** The current position of `token`'s stream. */
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
  return { ...h, alice, bob, carol, position, syncedSince };
}

const kinds = (events: SyncedEvent[]) => events.map((e) => e.kind);

describe("sync audience: who may read a room's messages", () => {
  it("an invitee hears of the room and its members, not of messages, edits or reactions they may not read", async () => {
    const { json, alice, bob, position, syncedSince } = await setup();
    const since = await position(bob);
    const room = (await json("POST", "/api/v1/rooms", { name: "Plans", invite: ["bob"] }, alice)).body;
    const message = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "the plan" }, alice)).body;
    expect((await json("PATCH", `/api/v1/messages/${message.id}`, { body: "the real plan" }, alice)).status).toBe(200);
    expect((await json("PUT", `/api/v1/messages/${message.id}/reactions/sekrit`, undefined, alice)).status).toBe(200);
    expect((await json("DELETE", `/api/v1/messages/${message.id}/reactions/sekrit`, undefined, alice)).status).toBe(200);
    expect((await json("DELETE", `/api/v1/messages/${message.id}`, undefined, alice)).status).toBe(204);

    // The read side: the room is visible, its messages are not.
    expect((await json("GET", `/api/v1/rooms/${room.id}`, undefined, bob)).status).toBe(200);
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).status).toBe(403);
    const heard = await syncedSince(since, bob);
    expect(kinds(heard)).toEqual(["room.created", "member.changed"]);
    expect(JSON.stringify(heard)).not.toContain("sekrit");

    // Once joined, the same person may read and hears of everything.
    const joined = await position(bob);
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const next = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "welcome" }, alice)).body;
    await json("PUT", `/api/v1/messages/${next.id}/reactions/wave`, undefined, alice);
    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).status).toBe(200);
    expect(kinds(await syncedSince(joined, bob))).toEqual(["member.changed", "message.created", "reaction.added"]);
  });

  it("a member who left hears of their leaving and of nothing after it", async () => {
    const { json, alice, bob, position, syncedSince } = await setup();
    const room = (await json("POST", "/api/v1/rooms", { name: "Temp", invite: ["bob"] }, alice)).body;
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const kept = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "before" }, alice)).body;
    const since = await position(bob);
    expect((await json("DELETE", `/api/v1/rooms/${room.id}/members/me`, undefined, bob)).status).toBe(204);
    const message = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "after" }, alice)).body;
    await json("PATCH", `/api/v1/messages/${kept.id}`, { body: "edited after" }, alice);
    await json("PUT", `/api/v1/messages/${message.id}/reactions/sekrit`, undefined, alice);

    expect((await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).status).toBe(404);
    const heard = await syncedSince(since, bob);
    expect(heard.map((e) => [e.kind, (e.data as { member?: string; membership?: string }).membership])).toEqual([["member.changed", "leave"]]);
  });
});

describe("sync audience: who may read a post", () => {
  it("commenters of a post that went back to draft hear of that change, then nothing until it is published again", async () => {
    const { json, alice, bob, carol, position, syncedSince } = await setup();
    const post = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Thoughts", body: "b" }, alice)).body;
    const bobs = (await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "first" }, bob)).body;
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "second" }, carol);
    const since = await position(bob);

    expect((await json("PATCH", `/api/v1/posts/${post.id}`, { published: false }, alice)).status).toBe(200);
    // The owner still works on the draft: comments, reactions to the post and to bob's comment.
    expect((await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "note to self" }, alice)).status).toBe(201);
    expect((await json("PUT", `/api/v1/posts/${post.id}/reactions/sekrit`, undefined, alice)).status).toBe(200);
    expect((await json("PUT", `/api/v1/comments/${bobs.id}/reactions/sekrit`, undefined, alice)).status).toBe(200);
    expect((await json("PATCH", `/api/v1/posts/${post.id}`, { body: "draft edit" }, alice)).status).toBe(200);

    for (const token of [bob, carol]) {
      expect((await json("GET", `/api/v1/posts/${post.id}`, undefined, token)).status).toBe(404);
      expect((await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, token)).status).toBe(404);
    }
    const heard = await syncedSince(since, bob);
    expect(kinds(heard)).toEqual(["post.edited"]);
    expect(JSON.stringify(heard)).not.toContain("sekrit");

    const republished = await position(bob);
    await json("PATCH", `/api/v1/posts/${post.id}`, { published: true }, alice);
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "back" }, alice);
    expect((await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, bob)).status).toBe(200);
    expect(kinds(await syncedSince(republished, bob))).toEqual(["post.edited", "comment.created"]);
  });

  it("commenters of a deleted post hear of the deletion and can read it no more", async () => {
    const { json, alice, bob, position, syncedSince } = await setup();
    const post = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Gone soon", body: "b" }, alice)).body;
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "hi" }, bob);
    const since = await position(bob);
    expect((await json("DELETE", `/api/v1/posts/${post.id}`, undefined, alice)).status).toBe(204);
    expect((await json("GET", `/api/v1/posts/${post.id}`, undefined, bob)).status).toBe(404);
    expect((await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, bob)).status).toBe(404);
    expect(kinds(await syncedSince(since, bob))).toEqual(["post.deleted"]);
  });

  it("a blocked commenter still may read the post, and so still hears of its comments", async () => {
    const { json, alice, bob, carol, position, syncedSince } = await setup();
    const post = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Open", body: "b" }, alice)).body;
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "hi" }, bob);
    expect((await json("PATCH", "/api/v1/blogs/alice", { blockedCommenters: ["bob"] }, alice)).status).toBe(200);
    const since = await position(bob);
    await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "hello" }, carol);
    expect((await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "me again" }, bob)).status).toBe(403);
    expect((await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, bob)).status).toBe(200);
    expect(kinds(await syncedSince(since, bob))).toEqual(["comment.created"]);
  });
});
