import { describe, expect, it } from "vitest";
import type { MatrixUserId, PostId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { BLOG_WORLD, blogRelayWorld as world } from "../support/blogRelayWorld.js";

/* Platform → Matrix for blogs: what the blog relay queues for each journal entry. */

const { BOT, ALICE, BOB, WEB } = BLOG_WORLD;

const aliceBlog = { kind: "blog", id: "alice" };

describe("BlogRelay: blog rooms", () => {
  it("creates an account's blog room on its first published post: the owner's ghost creates it public, world-readable, unencrypted, the bot joins", async () => {
    const { p, relayNew } = world();
    const alice = await p.person("alice");
    await p.blogs.updateBlog(alice, "alice", { title: "Alice writes", description: "Notes" });
    const queued = await relayNew();
    expect(queued[0]).toMatchObject({ op: "profile", sender: ALICE, displayName: "alice" });
    const create = queued[1]!;
    expect(create).toMatchObject({
      op: "createRoom",
      sender: ALICE,
      room: aliceBlog,
      alias: "mirage_blog_alice",
      name: "Alice writes",
      topic: "Notes",
      preset: "public_chat",
    });
    if (create.op !== "createRoom") throw new Error("not a creation");
    // The ghost owns the room by its creation (room version 12: not listed); the bot is an admin.
    expect(create.powerLevels).toEqual({ events_default: 0, users_default: 0, invite: 0, state_default: 50, redact: 50, kick: 50, ban: 50, users: { [BOT]: 100 } });
    expect(create.invite).toBeUndefined();
    const state = Object.fromEntries(create.initialState!.map((s) => [s.type, s.content]));
    expect(Object.keys(state)).toEqual(["m.bridge", "uk.half-shot.bridge", "m.room.history_visibility"]);
    expect(state["m.room.history_visibility"]).toEqual({ history_visibility: "world_readable" });
    expect(state["m.bridge"]).toMatchObject({ bridgebot: BOT, channel: { id: "blog:alice", displayname: "Alice writes", external_url: `${WEB}/@alice` } });
    expect(state["m.room.encryption"]).toBeUndefined();
    expect(queued.slice(2)).toEqual([{ op: "membership", action: "join", sender: BOT, room: aliceBlog }]);
  });

  it("creates a Matrix owner's blog room from the bot, inviting the owner with power 100", async () => {
    const { p, relayNew } = world();
    const bob = people.matrix(BOB as MatrixUserId);
    await p.blogs.createPost(bob, BOB, { title: "Hello", body: "First" });
    const [create, send] = await relayNew();
    expect(create).toMatchObject({ op: "createRoom", sender: BOT, room: { kind: "blog", id: BOB }, alias: "mirage_blog_bob=3aexample.org", invite: [BOB], name: BOB });
    expect(create!.op === "createRoom" && create!.powerLevels?.users).toEqual({ [BOB]: 100 });
    expect(send).toMatchObject({ op: "send", sender: BOT, room: { kind: "blog", id: BOB }, ref: { kind: "post" } });
  });

  it("follows the blog's title and description with name and topic state from the owner's ghost", async () => {
    const { p, relayNew, sendAll } = world();
    const alice = await p.person("alice");
    await p.blogs.updateBlog(alice, "alice", { title: "One" });
    await relayNew();
    await sendAll();
    await p.blogs.updateBlog(alice, "alice", { title: "Two" });
    await p.blogs.updateBlog(alice, "alice", { description: "About" });
    await p.blogs.updateBlog(alice, "alice", { blockedCommenters: ["@spam:example.org"] });
    expect(await relayNew()).toEqual([
      { op: "state", sender: ALICE, room: aliceBlog, eventType: "m.room.name", stateKey: "", content: { name: "Two" } },
      { op: "state", sender: ALICE, room: aliceBlog, eventType: "m.room.topic", stateKey: "", content: { topic: "About" } },
    ]);
  });
});

describe("BlogRelay: posts", () => {
  it("sends a published post from the owner's ghost: title, Markdown and link in body, heading, HTML and link in formatted_body, the post's ID", async () => {
    const { p, relayNew } = world();
    const alice = await p.person("alice");
    const post = await p.blogs.createPost(alice, "alice", { title: "Hello <World>", body: "Some *text*" });
    const queued = await relayNew();
    const send = queued.at(-1)!;
    const url = `${WEB}/@alice/${post.slug}`;
    expect(send).toEqual({
      op: "send",
      sender: ALICE,
      room: aliceBlog,
      eventType: "m.room.message",
      ref: { kind: "post", id: post.id },
      content: {
        msgtype: "m.text",
        body: `Hello <World>\n\nSome *text*\n\n${url}`,
        format: "org.matrix.custom.html",
        formatted_body: `<h1>Hello &#60;World&#62;</h1><p>Some *text*</p><p><a href="${url}">${url}</a></p>`,
        "org.mirage.post": { id: post.id, blog: "alice", slug: post.slug, url },
        "m.mentions": {},
      },
    });
  });

  it("never sends a draft, nor creates a room for one; publishing sends it, edits replace it, unpublishing redacts, republishing sends again, deleting redacts", async () => {
    const { p, relayNew, sendAll } = world();
    const alice = await p.person("alice");
    const draft = await p.blogs.createPost(alice, "alice", { title: "Secret", body: "draft text", published: false });
    await p.blogs.editPost(alice, draft.id, { body: "still a draft" });
    expect(await relayNew()).toEqual([]);
    const ref = { kind: "post", id: draft.id };

    await p.blogs.editPost(alice, draft.id, { published: true });
    const published = await relayNew();
    expect(published.map((op) => op.op)).toEqual(["profile", "createRoom", "membership", "send"]);
    expect(published[3]).toMatchObject({ op: "send", ref, content: { body: expect.stringContaining("still a draft") } });
    await sendAll();

    await p.blogs.editPost(alice, draft.id, { body: "edited" });
    const [edit, ...rest] = await relayNew();
    expect(rest).toEqual([]);
    expect(edit).toMatchObject({ op: "send", sender: ALICE, relation: { type: "edit", target: ref }, content: { body: expect.stringContaining("edited") } });
    expect(edit!.op === "send" && edit!.ref).toBeUndefined();

    await p.blogs.editPost(alice, draft.id, { published: false });
    expect(await relayNew()).toEqual([{ op: "redact", sender: ALICE, room: aliceBlog, target: ref }]);
    await sendAll();
    await p.blogs.editPost(alice, draft.id, { published: true });
    expect(await relayNew()).toEqual([expect.objectContaining({ op: "send", ref })]);
    await sendAll();
    await p.blogs.deletePost(alice, draft.id);
    expect(await relayNew()).toEqual([{ op: "redact", sender: ALICE, room: aliceBlog, target: ref }]);
  });

  it("running behind, sends each step of the publication in order with the post as it is now", async () => {
    const { p, relayNew } = world();
    const alice = await p.person("alice");
    const post = await p.blogs.createPost(alice, "alice", { title: "T", body: "one" });
    await p.blogs.editPost(alice, post.id, { published: false });
    await p.blogs.editPost(alice, post.id, { published: true, body: "two" });
    await p.blogs.editPost(alice, post.id, { title: "T2" });
    const queued = (await relayNew()).filter((op) => op.op === "send" || op.op === "redact");
    const ref = { kind: "post", id: post.id };
    expect(queued).toEqual([
      expect.objectContaining({ op: "send", ref, content: expect.objectContaining({ body: expect.stringMatching(/^T2\n\ntwo/) }) }),
      { op: "redact", sender: ALICE, room: aliceBlog, target: ref },
      expect.objectContaining({ op: "send", ref }),
      expect.objectContaining({ op: "send", relation: { type: "edit", target: ref } }),
    ]);
  });

  it("sends nothing for a post created and unpublished or deleted before it was relayed, and creates no room for it", async () => {
    const { p, relayNew } = world();
    const alice = await p.person("alice");
    const a = await p.blogs.createPost(alice, "alice", { title: "A", body: "secret a" });
    await p.blogs.editPost(alice, a.id, { published: false });
    const b = await p.blogs.createPost(alice, "alice", { title: "B", body: "secret b" });
    await p.blogs.deletePost(alice, b.id);
    expect(await relayNew()).toEqual([]);
  });

  it("replaces a post imported from its owner's Matrix message by redacting that message (bot) and sending the post again", async () => {
    const { p, store, relayNew } = world();
    const bob = people.matrix(BOB as MatrixUserId);
    await p.blogs.updateBlog(bob, BOB, { title: "Bob's" });
    await relayNew();
    await store.idMapping.link([{ ref: { kind: "blog", id: BOB }, roomId: "!bob:test.example", origin: "platform" }]);
    const post = await p.blogs.createPost(bob, BOB, { title: "From Element", body: "x" }, { origin: { roomId: "!bob:test.example", eventId: "$own" } });
    expect(await relayNew()).toEqual([]);
    await p.blogs.editPost(bob, post.id, { body: "edited with a command" });
    const ref = { kind: "post", id: post.id };
    expect(await relayNew()).toEqual([
      { op: "redact", sender: BOT, room: { kind: "blog", id: BOB }, target: ref },
      expect.objectContaining({ op: "send", sender: BOT, ref, content: expect.objectContaining({ body: expect.stringContaining("edited with a command") }) }),
    ]);
  });

  it("queues an entry's operations once, even when handled again after a crash or by a restarted relay", async () => {
    const w = world();
    const alice = await w.p.person("alice");
    const post = await w.p.blogs.createPost(alice, "alice", { title: "Once", body: "x" });
    await w.p.blogs.editPost(alice, post.id, { body: "y" });
    const entries = await w.store.journal.read(0, 100);
    for (const entry of entries) await w.relay.handle(entry);
    const size = await w.store.outbox.size();
    expect(size).toBeGreaterThan(0);
    for (const entry of entries) await w.relay.handle(entry);
    w.restart();
    for (const entry of entries) await w.relay.handle(entry);
    expect(await w.store.outbox.size()).toBe(size);
  });

  it("after a restart, still redacts a post whose room's creation is queued but not carried out", async () => {
    const w = world();
    const alice = await w.p.person("alice");
    const post = await w.p.blogs.createPost(alice, "alice", { title: "Soon gone", body: "x" });
    await w.relayNew();
    w.restart();
    await w.p.blogs.deletePost(alice, post.id as PostId);
    expect(await w.relayNew()).toEqual([{ op: "redact", sender: ALICE, room: aliceBlog, target: { kind: "post", id: post.id } }]);
  });

  it("never sends back what came from Matrix", async () => {
    const { p, relayNew } = world();
    const bob = people.matrix(BOB as MatrixUserId);
    const origin = (eventId: string) => ({ origin: { roomId: "!bob:test.example", eventId } });
    const post = await p.blogs.createPost(bob, BOB, { title: "Mine", body: "x" }, origin("$1"));
    await p.blogs.editPost(bob, post.id, { body: "y" }, origin("$2"));
    await p.blogs.deletePost(bob, post.id, origin("$3"));
    expect(await relayNew()).toEqual([]);
  });
});
