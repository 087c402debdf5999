import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Level } from "level";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { asCommentId, asPostId, asReactionTargetId, type PostId } from "../../src/platform/ids.js";
import type { Comment } from "../../src/platform/blogs/Comment.js";
import type { Post } from "../../src/platform/blogs/Post.js";
import type { ReactionLimits } from "../../src/platform/reactions/Reaction.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { META_KEYS, SUBLEVELS } from "../../src/store/keys.js";
import { blogStoreProblems } from "../support/blogConsistency.js";
import { asPersonId } from "../../src/platform/people/Person.js";

type Made = { store: Store; db: RootLevel; reopen?: () => Promise<{ store: Store; db: RootLevel }> };

const implementations: [string, () => Promise<Made>][] = [
  [
    "memory-level",
    async () => {
      const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
      return { store: storeOver(db), db };
    },
  ],
  [
    "level",
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "mirage-blog-store-"));
      const open = async () => {
        const db = new Level<string, unknown>(dir, { valueEncoding: "json" }) as unknown as RootLevel;
        await db.open();
        return { store: storeOver(db), db };
      };
      return { ...(await open()), reopen: open };
    },
  ],
];

let n = 0;
const id16 = () => (n++).toString(36).padStart(16, "0");
const post = (fields: Partial<Post> & { slug: string }): Post => ({
  id: asPostId(`p_${id16()}`),
  blog: asPersonId("alice"),
  author: asPersonId("alice"),
  title: "T",
  body: "b",
  html: "<p>b</p>",
  tags: [],
  published: true,
  createdAt: 1000 + n,
  updatedAt: 1000 + n,
  publishedAt: 1000 + n,
  deleted: false,
  ...fields,
});
const comment = (postId: PostId, createdAt: number, fields: Partial<Comment> = {}): Comment => ({
  id: asCommentId(`c_${id16()}`),
  postId,
  author: asPersonId("bob"),
  depth: 0,
  body: "x",
  html: "<p>x</p>",
  createdAt,
  deleted: false,
  ...fields,
});
const limits: ReactionLimits = { keysPerTarget: 3, keysPerPerson: 2 };
const code = (promise: Promise<unknown>) => promise.then(() => "ok", (error: { code?: string }) => error.code);

describe.each(implementations)("blog store contract: %s", (_name, make) => {
  it("stores posts with a slug index per blog; a taken slug is a conflict, other blogs are separate", async () => {
    const { store, db } = await make();
    const a = post({ slug: "hello" });
    await store.posts.create(a);
    expect(await store.posts.get(a.id)).toEqual(a);
    expect(await store.posts.findBySlug("alice", "hello")).toEqual(a);
    expect(await code(store.posts.create(post({ slug: "hello" })))).toBe("CONFLICT");
    await store.posts.create(post({ slug: "hello", blog: asPersonId("@bob:example.org"), author: asPersonId("@bob:example.org") }));
    await store.posts.create(post({ slug: "hello-2" }));
    await store.posts.create(post({ slug: "hello-world" }));
    await store.posts.create(post({ slug: "hellos" }));
    expect([...(await store.posts.slugsLike("alice", "hello"))].sort()).toEqual(["hello", "hello-2", "hello-world"]);
    expect(await store.posts.stats("alice")).toEqual({ published: 4, drafts: 0 });
    expect(await store.posts.stats("@bob:example.org")).toEqual({ published: 1, drafts: 0 });
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("moves index entries on update, refuses to touch tombstones, and frees slugs of deleted posts", async () => {
    const { store, db } = await make();
    const a = post({ slug: "a" });
    const b = post({ slug: "b", published: false, publishedAt: undefined });
    await store.posts.create(a);
    await store.posts.create(b);
    expect(await store.posts.stats("alice")).toEqual({ published: 1, drafts: 1 });
    expect(await code(store.posts.update({ ...a, slug: "b" }))).toBe("CONFLICT");
    await store.posts.update({ ...a, slug: "a2", published: false });
    await store.posts.update({ ...b, published: true, publishedAt: 5000 });
    expect(await store.posts.findBySlug("alice", "a")).toBeUndefined();
    expect((await store.posts.findBySlug("alice", "a2"))?.id).toBe(a.id);
    expect(await store.posts.stats("alice")).toEqual({ published: 1, drafts: 1 });
    expect(await blogStoreProblems(db)).toEqual([]);

    await store.posts.update({ ...b, slug: "", deleted: true, deletedAt: 6000 });
    expect(await code(store.posts.update({ ...b, title: "again" }))).toBe("NOT_FOUND");
    expect(await code(store.posts.update(post({ slug: "never-stored" })))).toBe("NOT_FOUND");
    expect((await store.posts.get(b.id))?.deleted).toBe(true);
    expect(await store.posts.findBySlug("alice", "b")).toBeUndefined();
    await store.posts.create(post({ slug: "b" }));
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("lists newest first by first publication, drafts only when asked, in pages", async () => {
    const { store } = await make();
    const made = [];
    for (let i = 0; i < 5; i++) {
      const p = post({ slug: `p${i}`, createdAt: 100 * i, publishedAt: 100 * i, published: i !== 2 });
      if (i === 2) delete p.publishedAt;
      made.push(p);
      await store.posts.create(p);
    }
    const ids = (posts: Post[]) => posts.map((p) => p.slug);
    expect(ids((await store.posts.list("alice", { includeDrafts: false, limit: 10 })).posts)).toEqual(["p4", "p3", "p1", "p0"]);
    const first = await store.posts.list("alice", { includeDrafts: true, limit: 3 });
    expect(ids(first.posts)).toEqual(["p4", "p3", "p2"]);
    const second = await store.posts.list("alice", { includeDrafts: true, limit: 3, cursor: first.next! });
    expect(ids(second.posts)).toEqual(["p1", "p0"]);
    expect(second.next).toBeUndefined();
    expect((await store.posts.list("nobody", { includeDrafts: true, limit: 3 })).posts).toEqual([]);
    expect(await code(store.posts.list("alice", { includeDrafts: true, limit: 3, cursor: "bad cursor" }))).toBe("INVALID_INPUT");
    await store.close();
  });

  it("lists published posts of every blog newest first, in pages, and keeps the list as posts change", async () => {
    const { store, db } = await make();
    const a = post({ slug: "a", blog: asPersonId("alice"), publishedAt: 100 });
    const b = post({ slug: "b", blog: asPersonId("bob"), author: asPersonId("bob"), publishedAt: 300 });
    const draft = post({ slug: "d", blog: asPersonId("bob"), author: asPersonId("bob"), published: false, createdAt: 400 });
    delete draft.publishedAt;
    const c = post({ slug: "c", blog: asPersonId("@carol:example.org"), author: asPersonId("@carol:example.org"), publishedAt: 200 });
    for (const p of [a, b, draft, c]) await store.posts.create(p);
    const slugs = (posts: Post[]) => posts.map((p) => p.slug);
    const first = await store.posts.listPublished({ limit: 2 });
    expect(slugs(first.posts)).toEqual(["b", "c"]);
    expect(slugs((await store.posts.listPublished({ limit: 2, cursor: first.next! })).posts)).toEqual(["a"]);
    await store.posts.update({ ...b, published: false });
    await store.posts.update({ ...a, deleted: true, slug: "", deletedAt: 500 });
    await store.posts.update({ ...draft, published: true, publishedAt: 600 });
    expect(slugs((await store.posts.listPublished({ limit: 10 })).posts)).toEqual(["d", "c"]);
    expect(await code(store.posts.listPublished({ limit: 3, cursor: "bad cursor" }))).toBe("INVALID_INPUT");
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("builds the list of published posts once for a store written before it existed", async () => {
    const { store, db } = await make();
    await store.posts.create(post({ slug: "old", publishedAt: 100 }));
    await store.posts.create(post({ slug: "older", publishedAt: 50 }));
    // As a store written by a version without the index: no entries, no marker.
    await db.sublevel(SUBLEVELS.publishedPosts).clear();
    await db.sublevel(SUBLEVELS.meta).del(META_KEYS.publishedPostsBuilt);
    const reopened = storeOver(db);
    expect((await reopened.posts.listPublished({ limit: 10 })).posts.map((p) => p.slug)).toEqual(["old", "older"]);
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("serializes concurrent creates: one post gets a contested slug", async () => {
    const { store, db } = await make();
    const results = await Promise.all(Array.from({ length: 20 }, () => code(store.posts.create(post({ slug: "same" })))));
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(await store.posts.stats("alice")).toEqual({ published: 1, drafts: 0 });
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("keeps comment threads in thread order with stats and participants", async () => {
    const { store, db } = await make();
    const p = asPostId("p_thread0000000000");
    const a = comment(p, 10);
    const b = comment(p, 20, { author: asPersonId("carol") });
    const a1 = comment(p, 30, { parentId: a.id, depth: 1, author: asPersonId("alice") });
    const a1a = comment(p, 40, { parentId: a1.id, depth: 2 });
    const a2 = comment(p, 50, { parentId: a.id, depth: 1 });
    for (const c of [a, b, a1, a1a, a2]) await store.comments.create(c);
    expect(await code(store.comments.create(comment(p, 60, { parentId: asCommentId("c_missing000000000") })))).toBe("NOT_FOUND");
    expect(await code(store.comments.create(comment(asPostId("p_other00000000000"), 60, { parentId: a.id })))).toBe("NOT_FOUND");
    const order = (await store.comments.thread(p, { limit: 10 })).comments.map((c) => c.id);
    expect(order).toEqual([a.id, a1.id, a1a.id, a2.id, b.id]);
    const page1 = await store.comments.thread(p, { limit: 2 });
    const page2 = await store.comments.thread(p, { limit: 2, cursor: page1.next! });
    const page3 = await store.comments.thread(p, { limit: 2, cursor: page2.next! });
    expect([...page1.comments, ...page2.comments, ...page3.comments].map((c) => c.id)).toEqual(order);
    expect(page3.next).toBeUndefined();
    expect(await store.comments.get(a1.id)).toEqual(a1);
    expect(await store.comments.stats(p)).toEqual({ count: 5, participants: ["bob", "carol", "alice"] });
    expect(await store.comments.statsMany([p, asPostId("p_none0000000000000")])).toEqual([
      { count: 5, participants: ["bob", "carol", "alice"] },
      { count: 0, participants: [] },
    ]);
    expect(await code(store.comments.thread(p, { limit: 2, cursor: "x" }))).toBe("INVALID_INPUT");
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("edits content only, and deletes into tombstones that stay only while replies hang below", async () => {
    const { store, db } = await make();
    const p = asPostId("p_tomb000000000000");
    const root = comment(p, 10);
    const mid = comment(p, 20, { parentId: root.id, depth: 1 });
    const leaf = comment(p, 30, { parentId: mid.id, depth: 2 });
    const other = comment(p, 40);
    for (const c of [root, mid, leaf, other]) await store.comments.create(c);
    await store.comments.update({ ...root, body: "edited", html: "<p>edited</p>", editedAt: 99, author: asPersonId("mallory"), depth: 7 });
    expect(await store.comments.get(root.id)).toMatchObject({ body: "edited", editedAt: 99, author: asPersonId("bob"), depth: 0 });

    const ids = async () => (await store.comments.thread(p, { limit: 10 })).comments.map((c) => [c.id, c.deleted]);
    expect(await store.comments.remove(root.id, 100)).toMatchObject({ id: root.id, deleted: true, body: "", html: "", deletedAt: 100, deletedBy: "author" });
    expect(await store.comments.remove(root.id, 101)).toBeUndefined();
    expect(await code(store.comments.update({ ...root, body: "back" }))).toBe("NOT_FOUND");
    expect(await code(store.comments.create(comment(p, 105, { parentId: root.id, depth: 1 })))).toBe("NOT_FOUND");
    expect(await store.comments.remove(mid.id, 110, "blogOwner")).toMatchObject({ deletedBy: "blogOwner" });
    expect(await store.comments.get(mid.id)).toMatchObject({ deleted: true, deletedBy: "blogOwner" });
    expect(await ids()).toEqual([[root.id, true], [mid.id, true], [leaf.id, false], [other.id, false]]);
    // The leaf going leaves two bare tombstones, which go with it.
    await store.comments.remove(leaf.id, 120);
    expect(await ids()).toEqual([[other.id, false]]);
    expect((await store.comments.stats(p)).count).toBe(1);
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("counts reactions in the same batch, per target and key, within limits", async () => {
    const { store, db } = await make();
    const t = { kind: "post" as const, id: asReactionTargetId("p_1") };
    const t10 = { kind: "post" as const, id: asReactionTargetId("p_10") };
    const add = (by: string, key: string, target = t) => store.reactions.add({ target, key, by: asPersonId(by), at: 1 }, limits);
    expect(await add("bob", "👍")).toBe("added");
    expect(await add("bob", "👍")).toBe("present");
    expect(await add("bo", "👍")).toBe("added");
    expect(await add("bob", "__proto__")).toBe("added");
    expect(await add("bob", "x")).toBe("too-many-by-person");
    expect(await add("carol", "constructor")).toBe("added");
    expect(await add("dave", "fourth")).toBe("too-many-keys");
    expect(await add("dave", "👍")).toBe("added");
    expect(await add("bob", "👍", t10)).toBe("added");
    expect(await store.reactions.counts(t)).toEqual({ "👍": 3, ["__proto__"]: 1, constructor: 1 });
    expect(Object.keys(await store.reactions.counts(t)).sort()).toEqual(["__proto__", "constructor", "👍"]);
    expect((await store.reactions.keysBy(t, asPersonId("bob"))).sort()).toEqual(["__proto__", "👍"]);
    expect(await store.reactions.keysBy(t, asPersonId("bo"))).toEqual(["👍"]);
    expect(await store.reactions.countsMany([t10, { kind: "comment", id: asReactionTargetId("p_1") }])).toEqual([{ "👍": 1 }, {}]);

    expect(await store.reactions.remove(t, asPersonId("bob"), "👍")).toBe(true);
    expect(await store.reactions.remove(t, asPersonId("bob"), "👍")).toBe(false);
    expect(await store.reactions.remove(t, asPersonId("bob"), "__proto__")).toBe(true);
    expect(await store.reactions.counts(t)).toEqual({ "👍": 2, constructor: 1 });
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("serializes concurrent reactions: counts equal reactions", async () => {
    const { store, db } = await make();
    const t = { kind: "message" as const, id: asReactionTargetId("m_1") };
    const wide = { keysPerTarget: 50, keysPerPerson: 20 };
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.reactions.add({ target: t, key: i % 2 ? "a" : "b", by: asPersonId(`u${Math.floor(i / 2) % 10}`), at: i }, wide)),
    );
    expect(results.filter((r) => r === "added")).toHaveLength(20);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.reactions.remove(t, asPersonId(`u${i}`), "a")));
    expect(await store.reactions.counts(t)).toEqual({ b: 10 });
    expect(await blogStoreProblems(db)).toEqual([]);
    await store.close();
  });

  it("keeps blog settings, and everything survives a reopen", async () => {
    const { store, reopen } = await make();
    await store.blogs.put({ owner: asPersonId("alice"), title: "Notes", description: "d", updatedAt: 1 });
    expect(await store.blogs.get(asPersonId("alice"))).toEqual({ owner: asPersonId("alice"), title: "Notes", description: "d", updatedAt: 1 });
    expect(await store.blogs.get(asPersonId("bob"))).toBeUndefined();
    const p = post({ slug: "kept" });
    await store.posts.create(p);
    const c = comment(p.id, 5);
    await store.comments.create(c);
    await store.reactions.add({ target: { kind: "post", id: p.id }, key: "k", by: asPersonId("bob"), at: 1 }, limits);
    if (!reopen) return store.close();
    await store.close();
    const again = await reopen();
    expect(await again.store.blogs.get(asPersonId("alice"))).toMatchObject({ title: "Notes" });
    expect(await again.store.posts.findBySlug("alice", "kept")).toEqual(p);
    expect((await again.store.comments.thread(p.id, { limit: 5 })).comments).toEqual([c]);
    expect(await again.store.reactions.counts({ kind: "post", id: p.id })).toEqual({ k: 1 });
    expect(await blogStoreProblems(again.db)).toEqual([]);
    await again.store.close();
  });
});
