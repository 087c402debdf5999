import { describe, expect, it } from "vitest";
import { BLOG_WORLD, blogRelayWorld } from "../support/blogRelayWorld.js";

/* Images by URL in posts and comments follow their text into the blog room as sendImage operations. */

const { ALICE } = BLOG_WORLD;
const ghost = (name: string) => `@mirage_${name}:test.example`;
const aliceBlog = { kind: "blog", id: "alice" };
const imageOf = (kind: string, id: string, n: number) => ({ kind: "event", id: `${kind}:${id}#image-${n}` });

describe("BlogRelay: images by URL", () => {
  it("sends a published post's images after it, a comment's images in the post's thread after it; edits and drafts send none", async () => {
    const w = blogRelayWorld({ maxImages: 4 });
    const alice = await w.p.person("alice");
    const draft = await w.p.blogs.createPost(alice, "alice", { title: "D", body: "![d](https://img.example/draft.png)", published: false });
    const post = await w.p.blogs.createPost(alice, "alice", { title: "T", body: "![a view](https://img.example/view.jpg)\n\nhttps://img.example/b.webp" });
    const queued = await w.relayNew();
    expect(queued.filter((op) => op.op === "sendImage")).toEqual([
      { op: "sendImage", sender: ALICE, room: aliceBlog, url: "https://img.example/view.jpg", body: "a view", ref: imageOf("post", post.id, 0) },
      { op: "sendImage", sender: ALICE, room: aliceBlog, url: "https://img.example/b.webp", body: "b.webp", ref: imageOf("post", post.id, 1) },
    ]);
    // The images come right after the post's own event.
    const postIndex = queued.findIndex((op) => op.op === "send" && op.ref?.kind === "post");
    expect(queued.slice(postIndex + 1).map((op) => op.op)).toEqual(["sendImage", "sendImage"]);
    await w.sendAll();

    const carol = await w.p.person("carol");
    const comment = await w.p.comments.addComment(carol, post.id, { body: "mine: ![cat](https://img.example/cat.gif)" });
    const commentOps = await w.relayNew();
    expect(commentOps.at(-1)).toEqual({
      op: "sendImage",
      sender: ghost("carol"),
      room: aliceBlog,
      url: "https://img.example/cat.gif",
      body: "cat",
      ref: imageOf("comment", comment.id, 0),
      relation: { type: "thread", root: { kind: "post", id: post.id }, latest: { kind: "comment", id: comment.id } },
    });
    const reply = await w.p.comments.addComment(alice, post.id, { body: "https://img.example/r.png", parentId: comment.id });
    expect((await w.relayNew()).at(-1)).toMatchObject({ op: "sendImage", url: "https://img.example/r.png", relation: { type: "thread", latest: { kind: "comment", id: reply.id } } });

    await w.p.blogs.editPost(alice, post.id, { body: "![a view](https://img.example/view.jpg) edited" });
    await w.p.comments.editComment(carol, comment.id, "mine, edited: ![cat](https://img.example/cat.gif)");
    expect((await w.relayNew()).some((op) => op.op === "sendImage")).toBe(false);
    expect(draft.published).toBe(false);
  });

  it("redacts a post's possible images with it when unpublished or deleted (by the owner's voice), sends them again when republished; a comment's with it, by the same sender", async () => {
    const w = blogRelayWorld({ maxImages: 2 });
    const alice = await w.p.person("alice");
    const post = await w.p.blogs.createPost(alice, "alice", { title: "T", body: "![v](https://img.example/v.jpg)" });
    await w.relayNew();
    await w.sendAll();
    const redactions = (kind: string, id: string, sender: string) => [
      { op: "redact", sender, room: aliceBlog, target: { kind, id } },
      { op: "redact", sender, room: aliceBlog, target: imageOf(kind, id, 0) },
      { op: "redact", sender, room: aliceBlog, target: imageOf(kind, id, 1) },
    ];
    await w.p.blogs.editPost(alice, post.id, { published: false });
    expect(await w.relayNew()).toEqual(redactions("post", post.id, ALICE));
    await w.sendAll();
    await w.p.blogs.editPost(alice, post.id, { published: true });
    expect((await w.relayNew()).filter((op) => op.op === "sendImage")).toEqual([
      { op: "sendImage", sender: ALICE, room: aliceBlog, url: "https://img.example/v.jpg", body: "v", ref: imageOf("post", post.id, 0) },
    ]);
    await w.sendAll();
    // Sent again: linked again, to the new event, which the deletion redacts.
    expect(await w.store.idMapping.toMatrix(imageOf("post", post.id, 0) as never)).toEqual({ roomId: "!alice:test.example", eventId: expect.stringMatching(/^\$/) });

    const carol = await w.p.person("carol");
    const own = await w.p.comments.addComment(carol, post.id, { body: "![c](https://img.example/c.gif)" });
    const moderated = await w.p.comments.addComment(carol, post.id, { body: "![m](https://img.example/m.gif)" });
    await w.relayNew();
    await w.sendAll();
    await w.p.comments.deleteComment(carol, own.id);
    await w.p.comments.deleteComment(alice, moderated.id);
    await w.p.blogs.deletePost(alice, post.id);
    expect(await w.relayNew()).toEqual([...redactions("comment", own.id, ghost("carol")), ...redactions("comment", moderated.id, ALICE), ...redactions("post", post.id, ALICE)]);
  });
});
