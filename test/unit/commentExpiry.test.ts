import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asReactionTargetId } from "../../src/platform/ids.js";
import { imageEventRef } from "../../src/platform/media/imageEventRef.js";
import { people } from "../../src/platform/people/people.js";
import { reactionRefId } from "../../src/platform/reactions/reactionRefId.js";
import { openLevelStore } from "../../src/store/openStore.js";
import { blogRelayWorld, ops } from "../support/blogRelayWorld.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Comment timers on the platform: an expired comment leaves no copy in the store, and its Matrix events are redacted. */

const marker = () => `zq${randomBytes(12).toString("hex")}`;
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Which of `needles` some file under `dir` holds, as UTF-8 or UTF-16 bytes. */
async function filesHolding(dir: string, needles: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    for (const needle of needles) if (bytes.includes(Buffer.from(needle, "utf8")) || bytes.includes(Buffer.from(needle, "utf16le"))) found.add(needle);
  }
  return [...found];
}

describe("expiring a comment", () => {
  it("deletes the comment, its reactions, mapping links and unsent sends, corrects the post's count, and journals comment.expired with the events to redact", async () => {
    const w = blogRelayWorld();
    const alice = await w.p.person("alice");
    const bob = await w.p.person("bob");
    const post = await w.p.blogs.createPost(alice, "alice", { title: "T", body: "x" });
    const kept = await w.p.comments.addComment(bob, post.id, { body: "kept" });
    const doomed = await w.p.comments.addComment(bob, post.id, { body: `doomed ${marker()}` });
    await w.p.reactions.add(alice, { kind: "comment", id: asReactionTargetId(doomed.id) }, "👍");
    await w.relayNew();
    await w.sendAll();
    const target = { kind: "comment" as const, id: doomed.id };
    const commentEvent = (await w.store.idMapping.toMatrix(target))!.eventId!;
    const reactionEvent = (await w.store.idMapping.toMatrix({ kind: "reaction", id: reactionRefId(target, "alice", "👍") }))!.eventId!;
    await w.store.idMapping.link([{ ref: imageEventRef(target, 0), roomId: "!alice:test.example", eventId: "$image", origin: "platform" }]);
    // An edit not sent yet: it never is.
    await w.p.comments.editComment(bob, doomed.id, "edited");
    await w.relayNew();
    expect(await w.store.outbox.size()).toBe(1);

    expect(await w.p.comments.expire(doomed.id)).toBe(true);
    expect(await w.p.comments.expire(doomed.id)).toBe(false);

    expect(await w.store.comments.get(doomed.id)).toBeUndefined();
    expect((await w.p.comments.listComments(post.id, undefined, { limit: 10 })).comments.map((c) => c.id)).toEqual([kept.id]);
    expect((await w.store.comments.stats(post.id)).count).toBe(1);
    expect(await w.store.reactions.countsMany([{ kind: "comment", id: asReactionTargetId(doomed.id) }])).toEqual([{}]);
    for (const eventId of [commentEvent, reactionEvent, "$image"]) expect(await w.store.idMapping.byEvent(eventId)).toBeUndefined();
    expect(await w.store.outbox.size()).toBe(0);
    const journal = await w.store.journal.read(0, 1000);
    expect(journal.some((e) => e.event.type === "reaction.added" && e.event.target.id === doomed.id)).toBe(false);
    const expired = journal.at(-1)!.event;
    expect(expired).toEqual({ type: "comment.expired", postId: post.id, commentId: doomed.id, by: "bob", matrixEventIds: [commentEvent, reactionEvent, "$image"] });

    // Redacted in the blog room by the blog's voice (the owner's ghost).
    await w.relayNew();
    expect(ops(await w.store.outbox.peek(100))).toEqual(
      [commentEvent, reactionEvent, "$image"].map((eventId) => ({ op: "redact", sender: "@mirage_alice:test.example", room: { kind: "blog", id: "alice" }, target: { eventId }, reason: "comment expired" })),
    );
  });

  it("leaves no trace of its text in any file of the store directory once compacted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mirage-comment-expiry-"));
    dirs.push(dir);
    const store = await openLevelStore(dir);
    const p = platformOverStore(store);
    const owner = people.fromId("@owner:elsewhere");
    const post = await p.blogs.createPost(owner, "@owner:elsewhere", { title: "T", body: "x" });
    const gone = marker();
    const comment = await p.comments.addComment(await p.person("bob"), post.id, { body: `the code is ${gone}` });
    await p.comments.editComment(await p.person("bob"), comment.id, `still ${gone}`);
    expect(await p.comments.expire(comment.id)).toBe(true);
    await store.commentPurge.compact();
    await store.close();
    expect(await filesHolding(dir, [gone])).toEqual([]);
  });
});
