import { describe, expect, it } from "vitest";
import { BLOG_WORLD, blogRelayWorld } from "../support/blogRelayWorld.js";

/* Images by URL in posts and comments follow their text into the blog room as sendImage operations. */

const { ALICE } = BLOG_WORLD;
const ghost = (name: string) => `@mirage_${name}:test.example`;
const aliceBlog = { kind: "blog", id: "alice" };

describe("BlogRelay: images by URL", () => {
  it("sends a published post's images after it, a comment's images in the post's thread after it; edits and drafts send none", async () => {
    const w = blogRelayWorld({ maxImages: 4 });
    const alice = await w.p.person("alice");
    const draft = await w.p.blogs.createPost(alice, "alice", { title: "D", body: "![d](https://img.example/draft.png)", published: false });
    const post = await w.p.blogs.createPost(alice, "alice", { title: "T", body: "![a view](https://img.example/view.jpg)\n\nhttps://img.example/b.webp" });
    const queued = await w.relayNew();
    expect(queued.filter((op) => op.op === "sendImage")).toEqual([
      { op: "sendImage", sender: ALICE, room: aliceBlog, url: "https://img.example/view.jpg", body: "a view" },
      { op: "sendImage", sender: ALICE, room: aliceBlog, url: "https://img.example/b.webp", body: "b.webp" },
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
      relation: { type: "thread", root: { kind: "post", id: post.id }, latest: { kind: "comment", id: comment.id } },
    });
    const reply = await w.p.comments.addComment(alice, post.id, { body: "https://img.example/r.png", parentId: comment.id });
    expect((await w.relayNew()).at(-1)).toMatchObject({ op: "sendImage", url: "https://img.example/r.png", relation: { type: "thread", latest: { kind: "comment", id: reply.id } } });

    await w.p.blogs.editPost(alice, post.id, { body: "![a view](https://img.example/view.jpg) edited" });
    await w.p.comments.editComment(carol, comment.id, "mine, edited: ![cat](https://img.example/cat.gif)");
    expect((await w.relayNew()).some((op) => op.op === "sendImage")).toBe(false);
    expect(draft.published).toBe(false);
  });
});
