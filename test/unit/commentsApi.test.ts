import { describe, expect, it } from "vitest";
import { blogStoreProblems } from "../support/blogConsistency.js";
import { blogSetup as setup, errorCode } from "../support/blogSetup.js";

describe("blogs API: comments", () => {
  it("lists comments in thread order with depth, across pages", async () => {
    const { json, alice, bob, post } = await setup();
    const p = (await post(alice, { title: "Talk", body: "b" })).body;
    const add = async (token: string, body: string, parentId?: string) =>
      (await json("POST", `/api/v1/posts/${p.id}/comments`, { body, ...(parentId ? { parentId } : {}) }, token)).body;
    const a = await add(bob, "A");
    const b = await add(alice, "B");
    const a1 = await add(alice, "A1", a.id);
    await add(bob, "A1a", a1.id);
    await add(bob, "B1", b.id);
    await add(alice, "A2", a.id);
    const expected = [["A", 0], ["A1", 1], ["A1a", 2], ["A2", 1], ["B", 0], ["B1", 1]];
    const all = (await json("GET", `/api/v1/posts/${p.id}/comments`)).body;
    expect(all.comments.map((c: any) => [c.body, c.depth])).toEqual(expected);
    expect(all.comments[1]).toMatchObject({ parentId: a.id, author: "alice", html: "<p>A1</p>", deleted: false, reactions: {}, myReactions: [] });
    expect(all.comments[0].parentId).toBeUndefined();
    expect(all.next).toBeNull();

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await json("GET", `/api/v1/posts/${p.id}/comments?limit=4${cursor ? `&cursor=${cursor}` : ""}`)).body;
      paged.push(...page.comments.map((c: any) => c.body));
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(expected.map(([body]) => body));
    expect((await json("GET", `/api/v1/posts/${p.id}`)).body.commentCount).toBe(6);
    expect((await json("GET", `/api/v1/posts/${p.id}/comments?cursor=garbage!`)).status).toBe(400);
  });

  it("requires parents from the same post, not deleted, and bounded nesting", async () => {
    const { json, alice, bob, post } = await setup();
    const p = (await post(alice, { title: "One", body: "b" })).body;
    const q = (await post(alice, { title: "Two", body: "b" })).body;
    const other = (await json("POST", `/api/v1/posts/${q.id}/comments`, { body: "elsewhere" }, bob)).body;
    const cross = await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "x", parentId: other.id }, bob);
    expect(cross).toMatchObject({ status: 400, body: { error: { code: "INVALID_INPUT" } } });
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "x", parentId: "c_AAAAAAAAAAAAAAAA" }, bob)).status).toBe(400);
    let parent: string | undefined;
    for (let depth = 0; depth <= 15; depth++) {
      const res = await json("POST", `/api/v1/posts/${p.id}/comments`, { body: `d${depth}`, ...(parent ? { parentId: parent } : {}) }, bob);
      expect(res.status, `depth ${depth}`).toBe(201);
      parent = res.body.id;
    }
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "too deep", parentId: parent }, bob)).status).toBe(400);
  });

  it("validates comments and needs a signed-in reader of the post", async () => {
    const { json, alice, bob, post } = await setup();
    const p = (await post(alice, { title: "One", body: "b" })).body;
    const url = `/api/v1/posts/${p.id}/comments`;
    for (const body of [{}, { body: "" }, { body: " \n " }, { body: "x".repeat(20_001) }, { body: "ok", extra: true }, { body: "ok", parentId: "nope" }, { body: { text: "x" } }]) {
      expect((await json("POST", url, body, bob)).status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    expect((await json("POST", url, { body: "hi" })).status).toBe(401);
    expect((await json("POST", "/api/v1/posts/p_AAAAAAAAAAAAAAAA/comments", { body: "hi" }, bob)).status).toBe(404);
    expect((await json("GET", "/api/v1/posts/p_AAAAAAAAAAAAAAAA/comments")).status).toBe(404);
    expect((await json("POST", url, { body: "x".repeat(20_000) }, bob)).status).toBe(201);
  });

  it("lets only the author edit or delete a comment, and tells the post's author and commenters", async () => {
    const { json, alice, bob, post, published, signUp } = await setup();
    const carol = await signUp("carol");
    const p = (await post(alice, { title: "One", body: "b" })).body;
    const c = (await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "hi" }, bob)).body;
    expect(published.at(-1)).toMatchObject({ event: { type: "comment.created", postId: p.id, commentId: c.id, by: "bob" }, audience: ["alice", "bob"] });
    await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "me too" }, carol);
    expect(published.at(-1)!.audience).toEqual(["alice", "bob", "carol"]);

    expect(errorCode(await json("PATCH", `/api/v1/comments/${c.id}`, { body: "mine" }, alice))).toBe("FORBIDDEN");
    expect(errorCode(await json("DELETE", `/api/v1/comments/${c.id}`, undefined, carol))).toBe("FORBIDDEN");
    expect((await json("PATCH", `/api/v1/comments/${c.id}`, { body: "mine" })).status).toBe(401);
    expect((await json("PATCH", "/api/v1/comments/c_AAAAAAAAAAAAAAAA", { body: "x" }, bob)).status).toBe(404);
    expect((await json("PATCH", `/api/v1/comments/${c.id}`, { body: "" }, bob)).status).toBe(400);
    expect((await json("PATCH", "/api/v1/comments/bad", { body: "x" }, bob)).status).toBe(400);

    const edited = await json("PATCH", `/api/v1/comments/${c.id}`, { body: "hi <there>" }, bob);
    expect(edited).toMatchObject({ status: 200, body: { body: "hi <there>", html: "<p>hi &#60;there&#62;</p>", editedAt: expect.any(String) } });
    expect(published.at(-1)).toMatchObject({ event: { type: "comment.edited", commentId: c.id }, audience: ["alice", "bob", "carol"] });
  });

  it("keeps a tombstone while a deleted comment has replies, and drops bare tombstones", async () => {
    const { json, alice, bob, post } = await setup();
    const p = (await post(alice, { title: "One", body: "b" })).body;
    const add = async (token: string, body: string, parentId?: string) =>
      (await json("POST", `/api/v1/posts/${p.id}/comments`, { body, ...(parentId ? { parentId } : {}) }, token)).body;
    const thread = async () => (await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments.map((c: any) => (c.deleted ? `[${c.author}]` : c.body));
    const root = await add(bob, "root");
    const reply = await add(alice, "reply", root.id);
    const leaf = await add(bob, "leaf");

    expect((await json("DELETE", `/api/v1/comments/${leaf.id}`, undefined, bob)).status).toBe(204);
    expect(await thread()).toEqual(["root", "reply"]);
    expect((await json("DELETE", `/api/v1/comments/${root.id}`, undefined, bob)).status).toBe(204);
    expect(await thread()).toEqual(["[bob]", "reply"]);
    const tombstone = (await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments[0];
    expect(tombstone).toMatchObject({ id: root.id, deleted: true, body: "", html: "", reactions: {}, myReactions: [] });
    expect((await json("GET", `/api/v1/posts/${p.id}`)).body.commentCount).toBe(1);
    // A tombstone cannot be edited; deleting it again changes nothing.
    expect((await json("PATCH", `/api/v1/comments/${root.id}`, { body: "back" }, bob)).status).toBe(409);
    expect((await json("DELETE", `/api/v1/comments/${root.id}`, undefined, bob)).status).toBe(204);
    expect(await thread()).toEqual(["[bob]", "reply"]);
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "x", parentId: root.id }, bob)).status).toBe(400);

    // The last reply going takes the bare tombstone with it.
    expect((await json("DELETE", `/api/v1/comments/${reply.id}`, undefined, alice)).status).toBe(204);
    expect(await thread()).toEqual([]);
    expect((await json("GET", `/api/v1/posts/${p.id}`)).body.commentCount).toBe(0);
  });

  it("lets the blog's owner moderate: delete any comment on their posts, close comments, block people", async () => {
    const { json, alice, bob, post, published, signUp } = await setup();
    const carol = await signUp("carol");
    const p = (await post(alice, { title: "Open", body: "b" })).body;
    expect(p.commentsOpen).toBe(true);
    const spam = (await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "buy now" }, bob)).body;
    const answer = (await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "no", parentId: spam.id }, carol)).body;

    // Moderation is the blog owner's alone, and the tombstone says who removed it.
    expect(errorCode(await json("DELETE", `/api/v1/comments/${spam.id}`, undefined, carol))).toBe("FORBIDDEN");
    expect(errorCode(await json("PATCH", `/api/v1/comments/${spam.id}`, { body: "edited by owner" }, alice))).toBe("FORBIDDEN");
    expect((await json("DELETE", `/api/v1/comments/${spam.id}`, undefined, alice)).status).toBe(204);
    expect(published.at(-1)).toMatchObject({ event: { type: "comment.deleted", commentId: spam.id, by: "alice" } });
    const thread = (await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments;
    expect(thread[0]).toMatchObject({ id: spam.id, deleted: true, deletedBy: "blogOwner", body: "", html: "" });
    expect(thread[1]).toMatchObject({ id: answer.id, deleted: false });
    expect(thread[1].deletedBy).toBeUndefined();
    expect((await json("DELETE", `/api/v1/comments/${answer.id}`, undefined, carol)).status).toBe(204);
    expect((await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments).toEqual([]);

    // Blocking: by any handle spelling, shown to the owner only, refused for writing, lifted by replacing the list.
    const earlier = (await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "earlier" }, bob)).body;
    const blocked = await json("PATCH", "/api/v1/blogs/alice", { blockedCommenters: ["bob", "@dan:matrix.example", "alice", "bob"] }, alice);
    expect(blocked).toMatchObject({ status: 200, body: { blockedCommenters: ["bob", "@dan:matrix.example"] } });
    expect((await json("GET", "/api/v1/blogs/alice")).body.blockedCommenters).toBeUndefined();
    expect((await json("GET", "/api/v1/blogs/alice", undefined, bob)).body.blockedCommenters).toBeUndefined();
    expect((await json("GET", "/api/v1/blogs/alice", undefined, alice)).body.blockedCommenters).toEqual(["bob", "@dan:matrix.example"]);
    const refused = await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "again" }, bob);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    expect(errorCode(await json("PATCH", `/api/v1/comments/${earlier.id}`, { body: "sneaky edit" }, bob))).toBe("FORBIDDEN");
    expect(errorCode(await json("PUT", `/api/v1/posts/${p.id}/reactions/x`, undefined, bob))).toBe("FORBIDDEN");
    expect(errorCode(await json("PUT", `/api/v1/comments/${earlier.id}/reactions/x`, undefined, bob))).toBe("FORBIDDEN");
    expect((await json("PUT", `/api/v1/posts/${p.id}/reactions/x`, undefined, carol)).status).toBe(200);
    expect((await json("DELETE", `/api/v1/comments/${earlier.id}`, undefined, bob)).status).toBe(204);
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "fine" }, carol)).status).toBe(201);
    expect((await json("PATCH", "/api/v1/blogs/alice", { title: "Only the title" }, alice)).body.blockedCommenters).toEqual(["bob", "@dan:matrix.example"]);
    expect((await json("PATCH", "/api/v1/blogs/alice", { blockedCommenters: ["no such handle!"] }, alice)).status).toBe(400);
    expect((await json("PATCH", "/api/v1/blogs/alice", { blockedCommenters: [] }, alice)).body.blockedCommenters).toEqual([]);
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "back" }, bob)).status).toBe(201);

    // Closing comments: nobody adds one (the owner neither) until reopened; existing ones stay.
    expect((await json("PATCH", `/api/v1/posts/${p.id}`, { commentsOpen: false }, alice)).body.commentsOpen).toBe(false);
    for (const token of [bob, alice]) {
      expect(errorCode(await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "late" }, token))).toBe("FORBIDDEN");
    }
    expect((await json("GET", `/api/v1/posts/${p.id}/comments`)).body.comments).toHaveLength(2);
    expect((await json("PATCH", `/api/v1/posts/${p.id}`, { commentsOpen: true }, alice)).body.commentsOpen).toBe(true);
    expect((await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "late" }, bob)).status).toBe(201);
    const closedFromStart = (await post(alice, { title: "Closed", body: "b", commentsOpen: false })).body;
    expect(errorCode(await json("POST", `/api/v1/posts/${closedFromStart.id}/comments`, { body: "x" }, carol))).toBe("FORBIDDEN");
    expect((await json("PATCH", `/api/v1/posts/${p.id}`, { commentsOpen: "no" }, alice)).status).toBe(400);
  });

  it("keeps the store consistent through all of the above", async () => {
    const { json, alice, bob, post, db } = await setup();
    // Each step must have happened, or an empty store would pass the consistency check.
    const first = await post(alice, { title: "One", body: "b" });
    expect(first.status).toBe(201);
    const p = first.body;
    const comment = await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "x" }, bob);
    expect(comment.status).toBe(201);
    const c = comment.body;
    const reply = await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "y", parentId: c.id }, alice);
    expect(reply.status).toBe(201);
    expect((await json("DELETE", `/api/v1/comments/${c.id}`, undefined, bob)).status).toBe(204);
    const moved = await json("PATCH", `/api/v1/posts/${p.id}`, { published: false, slug: "moved" }, alice);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ slug: "moved", published: false });
    expect((await post(alice, { title: "Two", body: "b" })).status).toBe(201);

    const thread = await json("GET", `/api/v1/posts/${p.id}/comments`, undefined, alice);
    expect(thread.body.comments.map((x: any) => [x.id, x.deleted])).toEqual([[c.id, true], [reply.body.id, false]]);
    expect((await json("GET", "/api/v1/blogs/alice", undefined, alice)).body).toMatchObject({ postCount: 1, draftCount: 1 });
    expect(await blogStoreProblems(db)).toEqual([]);
  });
});
