import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

const code = (c: string) => expect.objectContaining({ code: c });

describe("blogs and comments acting as a Person", () => {
  it("a ghost writes, comments, edits and deletes as its account; a Matrix user as itself", async () => {
    const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    const p = platformOverStore(store);
    const alice = await p.person("alice");
    const ghost = people.matrix("@mirage_alice:test.example" as MatrixUserId);
    const bob = people.matrix("@bob:example.org" as MatrixUserId);

    const post = await p.blogs.createPost(ghost, "alice", { title: "Via Matrix", body: "b", published: false });
    expect(post).toMatchObject({ blog: "alice", author: "alice" });
    // The ghost is the owner: it sees the draft, and so does the account.
    expect((await p.blogs.getPost(post.id, ghost)).id).toBe(post.id);
    expect((await p.blogs.getBlog("alice", ghost)).draftCount).toBe(1);
    await expect(p.blogs.getPost(post.id, bob)).rejects.toThrow(code("NOT_FOUND"));
    await p.blogs.editPost(alice, post.id, { published: true });

    const comment = await p.comments.addComment(bob, post.id, { body: "from Element" });
    expect(comment.author).toBe("@bob:example.org");
    const own = await p.comments.addComment(ghost, post.id, { body: "thanks" });
    expect(own.author).toBe("alice");
    expect((await p.comments.editComment(alice, own.id, "thanks!")).body).toBe("thanks!");
    await expect(p.comments.editComment(ghost, comment.id, "not mine")).rejects.toThrow(code("FORBIDDEN"));
    // The blog's owner moderates, whichever way they come in.
    await p.comments.deleteComment(ghost, comment.id);
    expect((await p.comments.listComments(post.id, bob, { limit: 10 })).comments.map((c) => c.id)).toEqual([own.id]);
    await expect(p.blogs.createPost(bob, "alice", { title: "t", body: "b" })).rejects.toThrow(code("FORBIDDEN"));
    await p.blogs.deletePost(ghost, post.id);
    await expect(p.blogs.getPost(post.id, alice)).rejects.toThrow(code("NOT_FOUND"));
  });
});

describe("profiles acting as a Person", () => {
  it("a ghost edits its account's profile; a Matrix user has none here", async () => {
    const p = platformOverStore(storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel));
    await p.person("alice");
    const updated = await p.profiles.update(people.matrix("@mirage_alice:test.example" as MatrixUserId), { displayName: "Alice A." });
    expect(updated).toMatchObject({ name: "alice", displayName: "Alice A." });
    expect((await p.profiles.get("alice")).displayName).toBe("Alice A.");
    await expect(p.profiles.update(people.matrix("@bob:example.org" as MatrixUserId), { displayName: "Bob" })).rejects.toThrow(code("FORBIDDEN"));
  });
});
