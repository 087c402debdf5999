import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { BLOG_WORLD, blogRelayWorld } from "../support/blogRelayWorld.js";

/* Web comments and reactions on blog posts, as the blog relay queues them for Matrix. */

const { BOT, ALICE, BOB } = BLOG_WORLD;
const ghost = (name: string) => `@mirage_${name}:test.example`;
const aliceBlog = { kind: "blog", id: "alice" };

/** Alice's blog with one published post, its room and post event already carried out. */
async function withPost() {
  const w = blogRelayWorld();
  const alice = await w.p.person("alice");
  const post = await w.p.blogs.createPost(alice, "alice", { title: "T", body: "x" });
  await w.relayNew();
  await w.sendAll();
  return { ...w, alice, post, root: { kind: "post", id: post.id } };
}

describe("BlogRelay: web comments", () => {
  it("sends a web comment as a thread reply under the post from the commenter's ghost, which joins the room first", async () => {
    const { p, relayNew, post, root } = await withPost();
    const carol = await p.person("carol");
    const comment = await p.comments.addComment(carol, post.id, { body: "Nice **post**" });
    expect(await relayNew()).toEqual([
      { op: "profile", sender: ghost("carol"), displayName: "carol" },
      { op: "membership", action: "join", sender: ghost("carol"), room: aliceBlog },
      {
        op: "send",
        sender: ghost("carol"),
        room: aliceBlog,
        eventType: "m.room.message",
        ref: { kind: "comment", id: comment.id },
        relation: { type: "thread", root },
        content: {
          msgtype: "m.text",
          body: "Nice **post**",
          format: "org.matrix.custom.html",
          formatted_body: "<p>Nice **post**</p>",
          "org.mirage.comment": { id: comment.id, post: post.id },
          "m.mentions": {},
        },
      },
    ]);
    // Joined once: the next comment just goes.
    await p.comments.addComment(carol, post.id, { body: "again" });
    expect((await relayNew()).map((op) => op.op)).toEqual(["send"]);
  });

  it("falls back to the thread's latest live comment (by time, replies included); a nested reply answers its parent in-thread", async () => {
    const { p, relayNew, post, root, alice } = await withPost();
    const carol = await p.person("carol");
    const dave = await p.person("dave");
    const c1 = await p.comments.addComment(carol, post.id, { body: "first" });
    const c2 = await p.comments.addComment(dave, post.id, { body: "second" });
    const reply = await p.comments.addComment(alice, post.id, { body: "thanks", parentId: c1.id });
    const gone = await p.comments.addComment(dave, post.id, { body: "oops" });
    await p.comments.deleteComment(dave, gone.id);
    const c3 = await p.comments.addComment(carol, post.id, { body: "third" });
    const sends = (await relayNew()).filter((op) => op.op === "send");
    const relationOf = (id: string) => sends.find((op) => op.op === "send" && op.ref?.id === id);
    expect(relationOf(c1.id)).toMatchObject({ relation: { type: "thread", root } });
    expect(relationOf(c1.id)!.op === "send" && relationOf(c1.id)).not.toHaveProperty("relation.latest");
    expect(relationOf(c2.id)).toMatchObject({ relation: { type: "thread", root, latest: { kind: "comment", id: c1.id } } });
    // The owner's reply: from the owner's ghost, in-thread to its parent, mentioning whom it answers.
    expect(relationOf(reply.id)).toMatchObject({
      sender: ALICE,
      relation: { type: "thread", root, replyTo: { kind: "comment", id: c1.id } },
      content: { "m.mentions": { user_ids: [ghost("carol")] } },
    });
    // The latest before "third" is the reply (written after "second"), not the deleted "oops".
    expect(relationOf(c3.id)).toMatchObject({ relation: { type: "thread", root, latest: { kind: "comment", id: reply.id } } });
    expect(relationOf(gone.id)).toBeUndefined();
  });

  it("edits with m.replace from the author's ghost; a deletion is redacted by its author's ghost, the owner's moderation by the owner's voice", async () => {
    const { p, relayNew, post } = await withPost();
    const carol = await p.person("carol");
    const alice = await p.person("alice");
    const mine = await p.comments.addComment(carol, post.id, { body: "typo" });
    const moderated = await p.comments.addComment(carol, post.id, { body: "rude" });
    await relayNew();
    await p.comments.editComment(carol, mine.id, "fixed");
    expect(await relayNew()).toEqual([
      expect.objectContaining({ op: "send", sender: ghost("carol"), relation: { type: "edit", target: { kind: "comment", id: mine.id } }, content: expect.objectContaining({ body: "fixed" }) }),
    ]);
    await p.comments.deleteComment(carol, mine.id);
    await p.comments.deleteComment(alice, moderated.id);
    expect(await relayNew()).toEqual([
      { op: "redact", sender: ghost("carol"), room: aliceBlog, target: { kind: "comment", id: mine.id } },
      { op: "redact", sender: ALICE, room: aliceBlog, target: { kind: "comment", id: moderated.id } },
    ]);
  });

  it("in a Matrix owner's blog, the owner's moderation of a comment is redacted by the bot", async () => {
    const w = blogRelayWorld();
    const bob = people.matrix(BOB as MatrixUserId);
    const post = await w.p.blogs.createPost(bob, BOB, { title: "T", body: "x" });
    const carol = await w.p.person("carol");
    const comment = await w.p.comments.addComment(carol, post.id, { body: "hm" });
    await w.relayNew();
    await w.p.comments.deleteComment(bob, comment.id);
    expect(await w.relayNew()).toEqual([{ op: "redact", sender: BOT, room: { kind: "blog", id: BOB }, target: { kind: "comment", id: comment.id } }]);
  });

  it("sends nothing of comments on drafts, nor of comments imported from Matrix", async () => {
    const w = blogRelayWorld();
    const alice = await w.p.person("alice");
    const draft = await w.p.blogs.createPost(alice, "alice", { title: "D", body: "x", published: false });
    await w.p.comments.addComment(alice, draft.id, { body: "note to self" });
    expect(await w.relayNew()).toEqual([]);
    const post = await w.p.blogs.createPost(alice, "alice", { title: "P", body: "x" });
    await w.relayNew();
    const bob = people.matrix(BOB as MatrixUserId);
    const origin = (eventId: string) => ({ origin: { roomId: "!alice:test.example", eventId } });
    const imported = await w.p.comments.addComment(bob, post.id, { body: "from Element" }, origin("$c"));
    await w.p.reactions.add(bob, { kind: "comment", id: imported.id }, "👍", origin("$r"));
    await w.p.comments.deleteComment(bob, imported.id, origin("$d"));
    expect(await w.relayNew()).toEqual([]);
  });
});

describe("BlogRelay: web reactions", () => {
  it("sends a reaction to a post or a comment as an annotation from the reactor's ghost; taking it back redacts it", async () => {
    const { p, relayNew, post, root } = await withPost();
    const carol = await p.person("carol");
    const comment = await p.comments.addComment(carol, post.id, { body: "c" });
    await relayNew();
    const alice = await p.person("alice");
    await p.reactions.add(carol, { kind: "post", id: post.id }, "👍");
    await p.reactions.add(alice, { kind: "comment", id: comment.id }, "❤️");
    await p.reactions.remove(carol, { kind: "post", id: post.id }, "👍");
    const onPost = { kind: "reaction", id: `post:${post.id}|carol|👍` };
    expect(await relayNew()).toEqual([
      { op: "send", sender: ghost("carol"), room: aliceBlog, eventType: "m.reaction", content: {}, ref: onPost, relation: { type: "reaction", target: root, key: "👍" } },
      {
        op: "send",
        sender: ALICE,
        room: aliceBlog,
        eventType: "m.reaction",
        content: {},
        ref: { kind: "reaction", id: `comment:${comment.id}|alice|❤️` },
        relation: { type: "reaction", target: { kind: "comment", id: comment.id }, key: "❤️" },
      },
      { op: "redact", sender: ghost("carol"), room: aliceBlog, target: onPost },
    ]);
  });

  it("queues a comment's or reaction's operations once, even when handled again after a crash or by a restarted relay", async () => {
    const w = await withPost();
    const carol = await w.p.person("carol");
    const comment = await w.p.comments.addComment(carol, w.post.id, { body: "once" });
    await w.p.reactions.add(carol, { kind: "comment", id: comment.id }, "👍");
    const entries = await w.store.journal.read(0, 1000);
    for (const entry of entries) await w.relay.handle(entry);
    const size = await w.store.outbox.size();
    expect(size).toBeGreaterThan(0);
    w.restart();
    for (const entry of entries) await w.relay.handle(entry);
    expect(await w.store.outbox.size()).toBe(size);
  });
});
