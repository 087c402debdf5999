import { describe, expect, it } from "vitest";
import { blogSetup as setup, errorCode } from "../support/blogSetup.js";
import { people } from "../../src/platform/people/people.js";

describe("blogs API: blogs", () => {
  it("shows an account's blog with defaults, counts, and drafts counted for the owner only", async () => {
    const { json, alice, post } = await setup();
    expect(await json("GET", "/api/v1/blogs/alice")).toMatchObject({ status: 200, body: { owner: "alice", title: "alice", description: "", postCount: 0 } });
    await post(alice, { title: "One", body: "x" });
    await post(alice, { title: "Two", body: "x", published: false });
    const anonymous = await json("GET", "/api/v1/blogs/Alice");
    expect(anonymous.body).toEqual({ owner: "alice", ownerProfile: { displayName: "alice" }, title: "alice", description: "", postCount: 1 });
    expect((await json("GET", "/api/v1/blogs/alice", undefined, alice)).body).toMatchObject({ postCount: 1, draftCount: 1 });
    // The Matrix ID of alice's ghost names the same blog.
    expect((await json("GET", "/api/v1/blogs/@mirage_alice:test.example")).body.owner).toBe("alice");
    // Public reads take a token when given one, and refuse a bad one rather than going anonymous.
    expect((await json("GET", "/api/v1/blogs/alice", undefined, "stale.token.here")).status).toBe(401);
  });

  it("serves blogs of Matrix users, who write through the bridge (the service), not the API", async () => {
    const { json, blogs, bob } = await setup();
    const dave = "@dave:example.org";
    const written = await blogs.createPost(people.fromId(dave), dave, { title: "From Matrix", body: "hi" });
    expect(written).toMatchObject({ blog: dave, author: dave, slug: "from-matrix" });
    expect((await json("GET", `/api/v1/blogs/${encodeURIComponent(dave)}`)).body).toEqual({ owner: dave, ownerProfile: { displayName: dave }, title: dave, description: "", postCount: 1 });
    expect((await json("GET", "/api/v1/blogs/dave@example.org/posts")).body.posts.map((p: any) => p.id)).toEqual([written.id]);
    expect((await json("POST", `/api/v1/posts/${written.id}/comments`, { body: "welcome" }, bob)).status).toBe(201);
    expect((await json("POST", `/api/v1/blogs/${dave}/posts`, { title: "t", body: "b" }, bob)).status).toBe(403);
    // The bridge writing as alice's ghost writes into alice's blog.
    expect((await blogs.createPost(people.fromId("@mirage_alice:test.example"), "alice", { title: "Via ghost", body: "b" })).blog).toBe("alice");
  });

  it("answers 404 for people without a blog and 400 for things that are not people", async () => {
    const { json } = await setup();
    expect(errorCode(await json("GET", "/api/v1/blogs/nobody"))).toBe("NOT_FOUND");
    expect(errorCode(await json("GET", "/api/v1/blogs/@carol:example.org"))).toBe("NOT_FOUND");
    for (const owner of ["a", "b%20b", "@nocolon", "@bad:exa_mple.org"]) {
      const res = await json("GET", `/api/v1/blogs/${owner}`);
      expect(res.status, owner).toBe(400);
      expect(errorCode(res)).toBe("INVALID_INPUT");
    }
  });

  it("lets the owner alone change the title and description", async () => {
    const { json, alice, bob } = await setup();
    const res = await json("PATCH", "/api/v1/blogs/alice", { title: "  Alice's notes ", description: "About things" }, alice);
    expect(res).toMatchObject({ status: 200, body: { title: "Alice's notes", description: "About things", draftCount: 0 } });
    expect((await json("GET", "/api/v1/blogs/alice")).body.title).toBe("Alice's notes");
    expect((await json("PATCH", "/api/v1/blogs/alice", { title: "Mine" }, bob)).status).toBe(403);
    expect((await json("PATCH", "/api/v1/blogs/alice", { title: "Mine" })).status).toBe(401);
    expect((await json("PATCH", "/api/v1/blogs/nobody", { title: "Mine" }, bob)).status).toBe(404);
    for (const body of [{}, { title: "" }, { title: "x".repeat(201) }, { title: "ok", extra: 1 }, { description: "x".repeat(1001) }]) {
      expect((await json("PATCH", "/api/v1/blogs/alice", body, alice)).status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
  });
});

describe("blogs API: posts", () => {
  it("creates a post with rendered HTML, a slug, normalized tags, and empty reactions", async () => {
    const { json, alice, post, published } = await setup();
    const res = await post(alice, { title: "  Hello, World!  ", body: "Hi <b>there</b>", tags: ["Travel", " travel ", "Food  Notes"] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^p_/),
      blog: "alice",
      author: "alice",
      title: "Hello, World!",
      slug: "hello-world",
      body: "Hi <b>there</b>",
      html: "<p>Hi &#60;b&#62;there&#60;/b&#62;</p>",
      tags: ["travel", "food notes"],
      published: true,
      reactions: {},
      myReactions: [],
      commentCount: 0,
    });
    expect(res.body.createdAt).toBe(res.body.publishedAt);
    expect((await json("GET", `/api/v1/posts/${res.body.id}`)).body).toEqual(res.body);
    expect((await json("GET", "/api/v1/blogs/alice/posts/hello-world")).body.id).toBe(res.body.id);
    expect(published.filter((p) => p.event.type.startsWith("post."))).toEqual([
      { event: { type: "post.created", blog: "alice", postId: res.body.id, by: "alice" }, audience: ["alice"], at: expect.any(Number) },
    ]);
  });

  it("refuses anonymous writers (401), other people's blogs (403) and blogs that do not exist (404)", async () => {
    const { alice, bob, post } = await setup();
    expect(errorCode(await post("", { title: "t", body: "b" }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await post("not-a-token", { title: "t", body: "b" }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await post(bob, { title: "t", body: "b" }))).toBe("FORBIDDEN");
    expect(errorCode(await post(alice, { title: "t", body: "b" }, "nobody"))).toBe("NOT_FOUND");
    expect(errorCode(await post(alice, { title: "t", body: "b" }, "@carol:example.org"))).toBe("NOT_FOUND");
  });

  it("validates posts: required fields, bounds, types, unknown fields, slug form, tags", async () => {
    const { alice, post } = await setup();
    const bad: Record<string, unknown>[] = [
      { body: "b" },
      { title: "t" },
      { title: "", body: "b" },
      { title: "   ", body: "b" },
      { title: "x".repeat(201), body: "b" },
      { title: "a\u0007b", body: "b" },
      { title: "t", body: "x".repeat(100_001) },
      { title: "t", body: "   " },
      { title: "t", body: "b", tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
      { title: "t", body: "b", tags: ["x".repeat(33)] },
      { title: "t", body: "b", tags: ["#hash"] },
      { title: "t", body: "b", published: "yes" },
      { title: "t", body: "b", slug: "Not A Slug" },
      { title: "t", body: "b", slug: "trailing-" },
      { title: "t", body: "b", author: "bob" },
      { title: { text: "t" }, body: "b" },
      { title: "t", body: ["a", "b"] },
    ];
    for (const body of bad) {
      const res = await post(alice, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(errorCode(res)).toBe("INVALID_INPUT");
    }
    expect((await post(alice, { title: "t", body: "x".repeat(100_000) })).status).toBe(201);
  });

  it("makes slugs unique per blog with -2, -3…, and refuses an explicit slug that is taken", async () => {
    const { json, alice, bob, post } = await setup();
    const slugs = [];
    for (let i = 0; i < 3; i++) slugs.push((await post(alice, { title: "Hello World", body: "b" })).body.slug);
    expect(slugs).toEqual(["hello-world", "hello-world-2", "hello-world-3"]);
    expect((await post(bob, { title: "Hello World", body: "b" }, "bob")).body.slug).toBe("hello-world");
    expect((await post(alice, { title: "Café Crème brûlée", body: "b" })).body.slug).toBe("cafe-creme-brulee");
    expect((await post(alice, { title: "日本語", body: "b" })).body.slug).toBe("post");
    expect((await post(alice, { title: "x".repeat(150), body: "b" })).body.slug).toHaveLength(64);
    const taken = await post(alice, { title: "Other", body: "b", slug: "hello-world-2" });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "CONFLICT" } } });
    expect((await post(alice, { title: "Other", body: "b", slug: "my-choice" })).body.slug).toBe("my-choice");
    expect((await json("GET", "/api/v1/blogs/alice/posts/no-such-slug")).status).toBe(404);
  });

  it("keeps the slug on edit unless a new one is sent; the old one is then free", async () => {
    const { json, alice, post } = await setup();
    const first = (await post(alice, { title: "First", body: "b" })).body;
    await post(alice, { title: "Second", body: "b" });
    const retitled = await json("PATCH", `/api/v1/posts/${first.id}`, { title: "Renamed", body: "new *body*", tags: ["a"] }, alice);
    expect(retitled).toMatchObject({ status: 200, body: { title: "Renamed", slug: "first", body: "new *body*", html: "<p>new *body*</p>", tags: ["a"] } });
    expect(retitled.body.updatedAt > first.updatedAt).toBe(true);
    expect((await json("PATCH", `/api/v1/posts/${first.id}`, { slug: "second" }, alice)).status).toBe(409);
    expect((await json("PATCH", `/api/v1/posts/${first.id}`, { slug: "renamed" }, alice)).body.slug).toBe("renamed");
    expect((await json("GET", "/api/v1/blogs/alice/posts/first")).status).toBe(404);
    expect((await json("GET", "/api/v1/blogs/alice/posts/renamed")).body.id).toBe(first.id);
    expect((await post(alice, { title: "First", body: "b" })).body.slug).toBe("first");
    for (const body of [{}, { title: "" }, { slug: "Bad" }, { published: "maybe" }, { tags: { a: 1 } }, { id: "p_x" }]) {
      expect((await json("PATCH", `/api/v1/posts/${first.id}`, body, alice)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("hides drafts from everyone but the owner, until published", async () => {
    const { json, alice, bob, post } = await setup();
    await post(alice, { title: "Public", body: "b" });
    const draft = (await post(alice, { title: "Secret", body: "b", published: false })).body;
    expect(draft).toMatchObject({ published: false, slug: "secret" });
    expect(draft.publishedAt).toBeUndefined();
    const titles = async (token?: string) => (await json("GET", "/api/v1/blogs/alice/posts", undefined, token)).body.posts.map((p: any) => p.title);
    expect(await titles()).toEqual(["Public"]);
    expect(await titles(bob)).toEqual(["Public"]);
    expect(await titles(alice)).toEqual(["Secret", "Public"]);
    for (const url of [`/api/v1/posts/${draft.id}`, "/api/v1/blogs/alice/posts/secret", `/api/v1/posts/${draft.id}/comments`]) {
      expect((await json("GET", url)).status, url).toBe(404);
      expect((await json("GET", url, undefined, bob)).status, url).toBe(404);
      expect((await json("GET", url, undefined, alice)).status, url).toBe(200);
    }
    expect((await json("POST", `/api/v1/posts/${draft.id}/comments`, { body: "hi" }, bob)).status).toBe(404);
    expect((await json("POST", `/api/v1/posts/${draft.id}/comments`, { body: "note to self" }, alice)).status).toBe(201);
    expect((await json("PATCH", `/api/v1/posts/${draft.id}`, { title: "x" }, bob)).status).toBe(404);

    const live = await json("PATCH", `/api/v1/posts/${draft.id}`, { published: true }, alice);
    expect(live.body.publishedAt).toBeDefined();
    // Published later, so it is the newest in the public listing.
    expect(await titles()).toEqual(["Secret", "Public"]);
    expect((await json("GET", `/api/v1/posts/${draft.id}`, undefined, bob)).status).toBe(200);
    const unpublished = await json("PATCH", `/api/v1/posts/${draft.id}`, { published: false }, alice);
    expect(unpublished.body.publishedAt).toBe(live.body.publishedAt);
    expect(await titles()).toEqual(["Public"]);
  });

  it("lists newest first in pages with an opaque cursor", async () => {
    const { json, alice, post } = await setup();
    for (let i = 1; i <= 5; i++) await post(alice, { title: `Post ${i}`, body: "b" });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/blogs/alice/posts?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await json("GET", url);
      expect(res.status).toBe(200);
      seen.push(...res.body.posts.map((p: any) => p.title));
      cursor = res.body.next;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(["Post 5", "Post 4", "Post 3", "Post 2", "Post 1"]);
    expect(pages).toBe(3);
    expect((await json("GET", "/api/v1/blogs/alice/posts")).body.next).toBeNull();
    for (const query of ["limit=0", "limit=51", "limit=x", "cursor=%00", "cursor=bm9wZQ", "sort=asc"]) {
      const res = await json("GET", `/api/v1/blogs/alice/posts?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("INVALID_INPUT");
    }
    expect((await json("GET", "/api/v1/blogs/nobody/posts")).status).toBe(404);
  });

  it("lets only the author edit or delete; deletion removes the post from every read and frees its slug", async () => {
    const { json, alice, bob, post, published } = await setup();
    const p = (await post(alice, { title: "Doomed", body: "b" })).body;
    await json("POST", `/api/v1/posts/${p.id}/comments`, { body: "first!" }, bob);
    expect(errorCode(await json("PATCH", `/api/v1/posts/${p.id}`, { title: "Mine" }, bob))).toBe("FORBIDDEN");
    expect(errorCode(await json("DELETE", `/api/v1/posts/${p.id}`, undefined, bob))).toBe("FORBIDDEN");
    expect((await json("DELETE", `/api/v1/posts/${p.id}`)).status).toBe(401);
    expect((await json("DELETE", "/api/v1/posts/p_AAAAAAAAAAAAAAAA", undefined, alice)).status).toBe(404);
    expect((await json("DELETE", "/api/v1/posts/not-an-id", undefined, alice)).status).toBe(400);

    expect((await json("DELETE", `/api/v1/posts/${p.id}`, undefined, alice)).status).toBe(204);
    expect(published.at(-1)).toMatchObject({ event: { type: "post.deleted", postId: p.id }, audience: ["alice", "bob"] });
    for (const [method, url, body] of [
      ["GET", `/api/v1/posts/${p.id}`],
      ["GET", "/api/v1/blogs/alice/posts/doomed"],
      ["GET", `/api/v1/posts/${p.id}/comments`],
      ["PATCH", `/api/v1/posts/${p.id}`, { title: "Back" }],
      ["DELETE", `/api/v1/posts/${p.id}`],
      ["POST", `/api/v1/posts/${p.id}/comments`, { body: "hello?" }],
      ["PUT", `/api/v1/posts/${p.id}/reactions/x`],
    ] as const) {
      expect((await json(method, url, body, alice)).status, `${method} ${url}`).toBe(404);
    }
    expect((await json("GET", "/api/v1/blogs/alice/posts", undefined, alice)).body.posts).toEqual([]);
    expect((await json("GET", "/api/v1/blogs/alice")).body.postCount).toBe(0);
    expect((await post(alice, { title: "Doomed", body: "again" })).body.slug).toBe("doomed");
  });

  it("describes the blog routes in OpenAPI", async () => {
    const { json } = await setup();
    const doc = await json("GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/blogs/{owner}", "/api/v1/blogs/{owner}/posts", "/api/v1/blogs/{owner}/posts/{slug}", "/api/v1/posts/{postId}", "/api/v1/posts/{postId}/comments", "/api/v1/comments/{commentId}", "/api/v1/posts/{id}/reactions/{key}"]),
    );
  });
});
