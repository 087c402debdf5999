import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";
import { blogStoreProblems } from "../support/blogConsistency.js";

async function setup() {
  const h = await apiHarness();
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob");
  const post = (await h.json("POST", "/api/v1/blogs/alice/posts", { title: "Hello", body: "b" }, alice)).body;
  const react = (method: "PUT" | "DELETE", key: string, token?: string, target = `posts/${post.id}`) =>
    h.json(method, `/api/v1/${target}/reactions/${encodeURIComponent(key)}`, undefined, token);
  const reactionEvents = () => h.published.filter((p) => p.event.type.startsWith("reaction."));
  return { ...h, alice, bob, post, react, reactionEvents };
}

describe("reactions API", () => {
  it("adds one reaction per person per key; repeating is a no-op that still answers 200 with the counts", async () => {
    const { json, alice, bob, post, react, reactionEvents } = await setup();
    const first = await react("PUT", "👍", bob);
    expect(first).toMatchObject({ status: 200, body: { target: { kind: "post", id: post.id }, key: "👍", reactions: { "👍": 1 }, myReactions: ["👍"] } });
    expect((await react("PUT", "👍", bob)).body).toEqual(first.body);
    expect(reactionEvents()).toHaveLength(1);
    expect(reactionEvents()[0]).toMatchObject({ event: { type: "reaction.added", target: { kind: "post", id: post.id }, key: "👍", by: "bob" }, audience: ["alice", "bob"] });

    expect((await react("PUT", "👍", alice)).body).toMatchObject({ reactions: { "👍": 2 }, myReactions: ["👍"] });
    expect((await react("PUT", "🎉", alice)).body).toMatchObject({ reactions: { "👍": 2, "🎉": 1 }, myReactions: expect.arrayContaining(["👍", "🎉"]) });

    // Every read of the post carries the counts, and the signed-in reader's own keys.
    expect((await json("GET", `/api/v1/posts/${post.id}`)).body).toMatchObject({ reactions: { "👍": 2, "🎉": 1 }, myReactions: [] });
    expect((await json("GET", `/api/v1/posts/${post.id}`, undefined, bob)).body.myReactions).toEqual(["👍"]);
    expect((await json("GET", "/api/v1/blogs/alice/posts", undefined, bob)).body.posts[0]).toMatchObject({ reactions: { "👍": 2, "🎉": 1 }, myReactions: ["👍"] });
  });

  it("removes idempotently: taking back a reaction that is not there answers 200 and changes nothing", async () => {
    const { bob, alice, react, reactionEvents } = await setup();
    await react("PUT", "👍", bob);
    await react("PUT", "👍", alice);
    expect((await react("DELETE", "👍", bob)).body).toMatchObject({ reactions: { "👍": 1 }, myReactions: [] });
    expect(reactionEvents().at(-1)).toMatchObject({ event: { type: "reaction.removed", key: "👍", by: "bob" } });
    const again = await react("DELETE", "👍", bob);
    expect(again).toMatchObject({ status: 200, body: { reactions: { "👍": 1 }, myReactions: [] } });
    expect((await react("DELETE", "never-used", bob)).status).toBe(200);
    expect(reactionEvents()).toHaveLength(3);
    expect((await react("DELETE", "👍", alice)).body.reactions).toEqual({});
  });

  it("normalizes keys (NFC, percent-decoded) and accepts any short text, including awkward names", async () => {
    const { bob, alice, react } = await setup();
    const decomposed = "e\u0301";
    const composed = "\u00e9";
    expect((await react("PUT", decomposed, bob)).body.key).toBe(composed);
    expect((await react("PUT", composed, alice)).body.reactions).toEqual({ [composed]: 2 });
    for (const key of ["a/b", "100%", "?x=1#y", "__proto__", "constructor", "hello world", "👨‍👩‍👧‍👦", "x".repeat(64)]) {
      const res = await react("PUT", key, bob);
      expect(res.status, key).toBe(200);
      expect(res.body.key).toBe(key);
      expect(Object.entries(res.body.reactions)).toContainEqual([key, 1]);
    }
    expect((await react("PUT", "__proto__", alice)).body.reactions.__proto__).toBe(2);
  });

  it("rejects keys that are empty, too long, padded, or hold control characters", async () => {
    const { bob, json, post } = await setup();
    for (const key of [" ", " x", "x ", "x".repeat(65), "a\u0000b", "a\nb", "\u007f"]) {
      const res = await json("PUT", `/api/v1/posts/${post.id}/reactions/${encodeURIComponent(key)}`, undefined, bob);
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(res.body.error.code).toBe("INVALID_INPUT");
    }
    expect((await json("PUT", `/api/v1/posts/${post.id}/reactions/%E0%A4%A`, undefined, bob)).status).toBe(400);
  });

  it("limits the keys one person uses on one target", async () => {
    const { bob, react } = await setup();
    for (let i = 0; i < 20; i++) expect((await react("PUT", `k${i}`, bob)).status).toBe(200);
    expect(await react("PUT", "one-too-many", bob)).toMatchObject({ status: 409, body: { error: { code: "CONFLICT" } } });
    expect((await react("PUT", "k0", bob)).status).toBe(200);
  });

  it("needs a signed-in person, and a target they can see", async () => {
    const { json, alice, bob, post, react } = await setup();
    expect((await react("PUT", "👍")).status).toBe(401);
    expect((await react("DELETE", "👍", "garbage")).status).toBe(401);
    expect((await react("PUT", "👍", bob, "posts/p_AAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await react("PUT", "👍", bob, "comments/c_AAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await react("PUT", "👍", bob, "messages/m_nothing")).status).toBe(404);
    expect((await react("PUT", "👍", bob, "posts/not-a-post-id")).status).toBe(400);
    expect((await react("PUT", "👍", bob, "widgets/x")).status).toBe(404);

    const draft = (await json("POST", "/api/v1/blogs/alice/posts", { title: "Draft", body: "b", published: false }, alice)).body;
    expect((await react("PUT", "👍", bob, `posts/${draft.id}`)).body.error.code).toBe("NOT_FOUND");
    expect((await react("PUT", "👍", alice, `posts/${draft.id}`)).status).toBe(200);
    const note = (await json("POST", `/api/v1/posts/${draft.id}/comments`, { body: "note" }, alice)).body;
    expect((await react("PUT", "👍", bob, `comments/${note.id}`)).status).toBe(404);

    await json("DELETE", `/api/v1/posts/${post.id}`, undefined, alice);
    expect((await react("PUT", "👍", bob)).status).toBe(404);
  });

  it("reacts to comments, shown in the thread; deleted comments take their reactions out of reads", async () => {
    const { json, alice, bob, post, react, reactionEvents } = await setup();
    const c = (await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "hi" }, bob)).body;
    const reply = (await json("POST", `/api/v1/posts/${post.id}/comments`, { body: "re", parentId: c.id }, alice)).body;
    expect((await react("PUT", "❤️", alice, `comments/${c.id}`)).body).toMatchObject({ target: { kind: "comment", id: c.id }, reactions: { "❤️": 1 } });
    expect(reactionEvents().at(-1)!.audience).toEqual(["bob", "alice"]);
    const thread = async (token?: string) => (await json("GET", `/api/v1/posts/${post.id}/comments`, undefined, token)).body.comments;
    expect((await thread(alice))[0]).toMatchObject({ reactions: { "❤️": 1 }, myReactions: ["❤️"] });
    expect((await thread())[0].myReactions).toEqual([]);
    expect((await json("GET", `/api/v1/posts/${post.id}`)).body.reactions).toEqual({});

    await json("DELETE", `/api/v1/comments/${c.id}`, undefined, bob);
    expect((await thread(alice))[0]).toMatchObject({ id: c.id, deleted: true, reactions: {}, myReactions: [] });
    expect((await react("PUT", "👍", alice, `comments/${c.id}`)).status).toBe(404);
    expect((await react("PUT", "👍", bob, `comments/${reply.id}`)).status).toBe(200);
  });

  it("reacts to chat messages of rooms the reader is in, telling the room", async () => {
    const { json, alice, bob, react, reactionEvents, signUp } = await setup();
    const carol = await signUp("carol");
    const room = (await json("POST", "/api/v1/rooms", { name: "Lounge", invite: ["bob"] }, alice)).body;
    await json("POST", `/api/v1/rooms/${room.id}/members`, { handle: "bob" }, bob);
    const message = (await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "hello" }, alice)).body;
    const res = await react("PUT", "👋", bob, `messages/${message.id}`);
    expect(res).toMatchObject({ status: 200, body: { target: { kind: "message", id: message.id }, reactions: { "👋": 1 }, myReactions: ["👋"] } });
    expect(reactionEvents().at(-1)).toMatchObject({
      event: { type: "reaction.added", target: { kind: "message", id: message.id, roomId: room.id }, by: "bob" },
      audience: expect.arrayContaining(["alice", "bob"]),
    });
    expect((await react("PUT", "👋", carol, `messages/${message.id}`)).status).toBe(404);

    // Every read of the message carries the counts, and the reader's own keys.
    await react("PUT", "🎉", alice, `messages/${message.id}`);
    const read = async (token: string) => (await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, token)).body.messages[0];
    expect(await read(bob)).toMatchObject({ id: message.id, reactions: { "👋": 1, "🎉": 1 }, myReactions: ["👋"] });
    expect(await read(alice)).toMatchObject({ reactions: { "👋": 1, "🎉": 1 }, myReactions: ["🎉"] });
    expect((await json("PATCH", `/api/v1/messages/${message.id}`, { body: "hello!" }, alice)).body).toMatchObject({ reactions: { "👋": 1, "🎉": 1 }, myReactions: ["🎉"] });
    expect((await json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "new" }, bob)).body).toMatchObject({ reactions: {}, myReactions: [] });

    expect((await react("DELETE", "👋", bob, `messages/${message.id}`)).body.reactions).toEqual({ "🎉": 1 });
    // A deleted message keeps no reactions in reads.
    await json("DELETE", `/api/v1/messages/${message.id}`, undefined, alice);
    const tombstone = (await json("GET", `/api/v1/rooms/${room.id}/messages`, undefined, bob)).body.messages.find((m: { id: string }) => m.id === message.id);
    expect(tombstone).toMatchObject({ deleted: true, reactions: {}, myReactions: [] });
  });

  it("keeps counters equal to the reactions stored", async () => {
    const { alice, bob, react, db } = await setup();
    for (const [method, key, token] of [["PUT", "a", bob], ["PUT", "a", alice], ["PUT", "b", bob], ["DELETE", "a", bob], ["PUT", "a", bob], ["DELETE", "b", bob], ["DELETE", "b", bob]] as const) {
      await react(method, key, token);
    }
    expect(await blogStoreProblems(db)).toEqual([]);
  });
});
