import { MemoryLevel } from "memory-level";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BlogEventHandler } from "../../src/bridge/BlogEventHandler.js";
import { parseRoomEvent } from "../../src/matrix/matrixEvent.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Matrix → platform in blog rooms: thread replies are comments, reactions are reactions, the owner's top-level messages are posts; each applied once, refusals told once, nothing throws. */

const BLOG_ROOM = "!blog:test.example";
const CAROL_ROOM = "!carolblog:test.example";
const BOT = "@mirage:test.example";
const BOB = "@bob:remote.example";
const DAVE = "@dave:remote.example";
const CAROL = "@carol:remote.example";

const thread = (root: string, replyTo?: string) =>
  replyTo === undefined
    ? { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: root } }
    : { rel_type: "m.thread", event_id: root, is_falling_back: false, "m.in_reply_to": { event_id: replyTo } };

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const post = await p.blogs.createPost(alice, "alice", { title: "Hello", body: "First post" });
  await store.idMapping.link([
    { ref: { kind: "blog", id: "alice" }, roomId: BLOG_ROOM, origin: "platform" },
    { ref: { kind: "blog", id: CAROL }, roomId: CAROL_ROOM, origin: "platform" },
    { ref: { kind: "post", id: post.id }, roomId: BLOG_ROOM, eventId: "$post", origin: "platform" },
  ]);
  const refused: string[] = [];
  const handler = new BlogEventHandler({
    blogs: p.blogs,
    comments: p.comments,
    reactions: p.reactions,
    commentRecords: store.comments,
    mapping: store.idMapping,
    ghosts: people.ghostAccounts("mirage_", "test.example"),
    botUserId: BOT,
    isOwnUser: (id) => id === BOT || id.startsWith("@mirage_"),
    onRefused: (reason) => void refused.push(reason),
    mediaUrl: (mxc) => `https://mirage.example/media/${mxc.slice(6)}`,
    logger: pino({ level: "silent" }),
  });
  let n = 0;
  /** Delivers one raw event (from Bob unless `extra` says otherwise) and resolves with its event ID and the effects it queued. */
  const deliver = async (type: string, content: unknown, extra: Record<string, unknown> = {}) => {
    const eventId = `$e${++n}`;
    const event = parseRoomEvent({ type, room_id: BLOG_ROOM, sender: BOB, event_id: eventId, origin_server_ts: n, content, ...extra });
    const effects: OutboxEntryInput[] = [];
    if (event) await handler.handle(event, { send: (e) => void effects.push(e) });
    return { eventId: event?.eventId ?? eventId, effects };
  };
  const comments = async (postId = post.id) => (await p.comments.listComments(postId, alice, { limit: 100 })).comments;
  const mapped = async (eventId: string) => (await store.idMapping.byEvent(eventId))?.ref;
  return { store, p, alice, post, deliver, comments, mapped, refused };
}

const sendTypes = (effects: OutboxEntryInput[]) => effects.map((e) => (e.op === "send" ? e.eventType : e.op));

describe("blog room events into the platform", () => {
  it("makes thread replies under a post comments: fallbacks top-level, in-thread replies nested, HTML as Markdown, each once", async () => {
    const { deliver, comments, mapped } = await world();
    const top = await deliver("m.room.message", { msgtype: "m.text", body: "nice **post**", format: "org.matrix.custom.html", formatted_body: "nice <strong>post</strong><script>x</script>", "m.relates_to": thread("$post") });
    const nested = await deliver("m.room.message", { msgtype: "m.text", body: "> <@bob:remote.example> nice post\n\nthanks", "m.relates_to": thread("$post", top.eventId) });
    await deliver("m.room.message", { msgtype: "m.text", body: "falling back", "m.relates_to": { ...thread("$post", nested.eventId), is_falling_back: true } }, { sender: DAVE });
    // A replay changes nothing.
    const again = await deliver("m.room.message", { msgtype: "m.text", body: "nice post", "m.relates_to": thread("$post") }, { event_id: top.eventId });
    expect(again.effects).toEqual([]);

    const byBody = new Map((await comments()).map((c) => [c.body, c]));
    const [c1, c2, c3] = ["nice **post**", "thanks", "falling back"].map((body) => byBody.get(body));
    expect(c1).toMatchObject({ author: BOB, body: "nice **post**", depth: 0 });
    expect(c1!.parentId).toBeUndefined();
    expect(c2).toMatchObject({ author: BOB, body: "thanks", parentId: c1!.id, depth: 1 });
    expect(c3).toMatchObject({ author: DAVE, body: "falling back", depth: 0 });
    expect(await comments()).toHaveLength(3);
    expect(await mapped(top.eventId)).toEqual({ kind: "comment", id: c1!.id });
  });

  it("nests a reply past the depth limit under the deepest ancestor that can take one, and a reply to a deleted comment under its nearest live ancestor", async () => {
    const { deliver, comments, refused } = await world();
    let parent = (await deliver("m.room.message", { msgtype: "m.text", body: "depth 0", "m.relates_to": thread("$post") })).eventId;
    const byDepth = [parent];
    for (let depth = 1; depth <= 16; depth++) {
      parent = (await deliver("m.room.message", { msgtype: "m.text", body: `depth ${depth}`, "m.relates_to": thread("$post", parent) })).eventId;
      byDepth.push(parent);
    }
    const all = await comments();
    expect(refused).toEqual([]);
    expect(all).toHaveLength(17);
    const byBody = new Map(all.map((c) => [c.body, c]));
    expect(byBody.get("depth 15")!.depth).toBe(15);
    // The 17th is a sibling of the 16th, under the comment at depth 14.
    expect(byBody.get("depth 16")).toMatchObject({ depth: 15, parentId: byBody.get("depth 14")!.id });

    // Bob takes back depth 3 (depth 4 keeps it as a tombstone); a reply to it goes under depth 2.
    await deliver("m.room.redaction", {}, { redacts: byDepth[3] });
    await deliver("m.room.message", { msgtype: "m.text", body: "to the deleted one", "m.relates_to": thread("$post", byDepth[3]) });
    const reply = (await comments()).find((c) => c.body === "to the deleted one");
    expect(reply).toMatchObject({ depth: 3, parentId: byBody.get("depth 2")!.id });
  });

  it("refuses comments the platform refuses (closed, blocked, post gone) with a status and a notice from the bot, never applied, counted", async () => {
    const { deliver, store, p, alice, post, refused, mapped } = await world();
    await p.blogs.editPost(alice, post.id, { commentsOpen: false });
    const closed = await deliver("m.room.message", { msgtype: "m.text", body: "closed?", "m.relates_to": thread("$post") });
    expect(sendTypes(closed.effects)).toEqual(["com.beeper.message_send_status", "m.room.message"]);
    expect(closed.effects[0]).toMatchObject({ sender: BOT, roomId: BLOG_ROOM, content: { status: "FAIL_PERMANENT", reason: "m.no_permission", message: "comments are closed on this post", "m.relates_to": { rel_type: "m.reference", event_id: closed.eventId } } });
    expect(closed.effects[1]).toMatchObject({ sender: BOT, content: { msgtype: "m.notice", "m.relates_to": { rel_type: "m.thread", event_id: "$post", "m.in_reply_to": { event_id: closed.eventId } } } });

    await p.blogs.editPost(alice, post.id, { commentsOpen: true });
    await p.blogs.updateBlog(alice, "alice", { blockedCommenters: [BOB] });
    const blocked = await deliver("m.room.message", { msgtype: "m.text", body: "blocked?", "m.relates_to": thread("$post") });
    expect(blocked.effects[0]).toMatchObject({ content: { message: "the blog's owner does not take comments from you" } });
    const blockedReaction = await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: "👍" } });
    expect(sendTypes(blockedReaction.effects)).toEqual(["com.beeper.message_send_status", "m.room.message"]);

    await p.blogs.deletePost(alice, post.id);
    const gone = await deliver("m.room.message", { msgtype: "m.text", body: "gone?", "m.relates_to": thread("$post") }, { sender: DAVE });
    expect(gone.effects[0]).toMatchObject({ content: { message: "post not found" } });

    expect(refused).toEqual(["no_permission", "no_permission", "no_permission", "no_permission"]);
    for (const e of [closed, blocked, gone]) expect(await mapped(e.eventId)).toBeUndefined();
    expect((await store.comments.stats(post.id)).count).toBe(0);
  });

  it("applies a comment's edit by its author and refuses anyone else's; edits of the owner's post by the owner", async () => {
    const { deliver, comments, p, store } = await world();
    const c = await deliver("m.room.message", { msgtype: "m.text", body: "typo", "m.relates_to": thread("$post") });
    await deliver("m.room.message", { msgtype: "m.text", body: "* fixed", "m.new_content": { msgtype: "m.text", body: "fixed" }, "m.relates_to": { rel_type: "m.replace", event_id: c.eventId } });
    const notHis = await deliver("m.room.message", { msgtype: "m.text", body: "* dave's", "m.new_content": { msgtype: "m.text", body: "dave's" }, "m.relates_to": { rel_type: "m.replace", event_id: c.eventId } }, { sender: DAVE });
    expect(notHis.effects[0]).toMatchObject({ content: { reason: "m.no_permission", message: "only the author may edit a comment" } });
    expect((await comments())[0]).toMatchObject({ body: "fixed" });

    // Carol, a Matrix user, owns a blog: her message in her room is a post, her edit of it edits the post.
    const carolPost = await deliver("m.room.message", { msgtype: "m.text", body: "# My trip\n\nIt was **fun**.", format: "org.matrix.custom.html", formatted_body: "<h1>My trip</h1><p>It was <strong>fun</strong>.</p>" }, { sender: CAROL, room_id: CAROL_ROOM });
    expect(carolPost.effects).toEqual([]);
    const [created] = (await p.blogs.listPosts(CAROL, undefined, { limit: 10 })).posts;
    expect(created).toMatchObject({ title: "My trip", body: "It was **fun**.", author: CAROL, published: true });
    await deliver("m.room.message", { msgtype: "m.text", body: "* My trip\nIt was great.", "m.new_content": { msgtype: "m.text", body: "My trip (2)\nIt was great." }, "m.relates_to": { rel_type: "m.replace", event_id: carolPost.eventId } }, { sender: CAROL, room_id: CAROL_ROOM });
    expect(await p.blogs.getPost(created!.id, undefined)).toMatchObject({ title: "My trip (2)", body: "It was great." });
    // Bob's "edit" of Carol's post is refused.
    const bobs = await deliver("m.room.message", { msgtype: "m.text", body: "* x", "m.new_content": { msgtype: "m.text", body: "Mine\nnow" }, "m.relates_to": { rel_type: "m.replace", event_id: carolPost.eventId } }, { room_id: CAROL_ROOM });
    expect(bobs.effects[0]).toMatchObject({ content: { message: "only the author may edit a post" } });
    expect((await p.blogs.getPost(created!.id, undefined)).title).toBe("My trip (2)");

    // A post Mirage sent for her (from the web or a command, by the bot) is not hers to edit in Matrix: clients would not show it.
    const webPost = await p.blogs.createPost(people.matrix(CAROL as MatrixUserId), CAROL, { title: "From the web", body: "body" });
    await store.idMapping.link([{ ref: { kind: "post", id: webPost.id }, roomId: CAROL_ROOM, eventId: "$botsPost", origin: "platform" }]);
    const ignored = await deliver("m.room.message", { msgtype: "m.text", body: "* x", "m.new_content": { msgtype: "m.text", body: "Changed\nin Matrix" }, "m.relates_to": { rel_type: "m.replace", event_id: "$botsPost" } }, { sender: CAROL, room_id: CAROL_ROOM });
    expect(ignored.effects).toEqual([]);
    expect(await p.blogs.getPost(webPost.id, undefined)).toMatchObject({ title: "From the web", body: "body" });
  });

  it("makes the owner's top-level messages posts and takes back anyone else's with a notice", async () => {
    const { deliver, p, refused } = await world();
    const carolRoom = { room_id: CAROL_ROOM, sender: CAROL };
    await deliver("m.room.message", { msgtype: "m.text", body: "Plain title\nLine one\nLine two" }, carolRoom);
    const titleOnly = await deliver("m.room.message", { msgtype: "m.text", body: "Only a title" }, carolRoom);
    expect(titleOnly.effects[0]).toMatchObject({ content: { reason: "m.event_not_handled", message: "a post is its title on the first line and its body on the lines after it" } });
    const posts = (await p.blogs.listPosts(CAROL, undefined, { limit: 10 })).posts;
    expect(posts.map((post) => [post.title, post.body])).toEqual([["Plain title", "Line one  \nLine two"]]);

    const bobs = await deliver("m.room.message", { msgtype: "m.text", body: "Bob's post\nin Carol's blog" }, { room_id: CAROL_ROOM });
    expect(sendTypes(bobs.effects)).toEqual(["com.beeper.message_send_status", "m.room.message", "redact"]);
    expect(bobs.effects[2]).toMatchObject({ op: "redact", sender: BOT, roomId: CAROL_ROOM, target: { eventId: bobs.eventId } });
    expect(bobs.effects[1]).toMatchObject({ content: { body: expect.stringContaining("reply in a post's thread to comment") } });
    // A reply in the main timeline is not a thread reply: taken back too. Alice's own account never writes through Matrix.
    const reply = await deliver("m.room.message", { msgtype: "m.text", body: "hi", "m.relates_to": { "m.in_reply_to": { event_id: "$post" } } });
    expect(sendTypes(reply.effects)).toContain("redact");
    expect((await deliver("m.room.message", { msgtype: "m.text", body: "Echo\nof a ghost" }, { sender: "@mirage_alice:test.example" })).effects).toEqual([]);
    expect((await p.blogs.listPosts(CAROL, undefined, { limit: 10 })).posts).toHaveLength(1);
    expect((await p.blogs.listPosts("alice", undefined, { limit: 10 })).posts).toHaveLength(1);
    expect(refused).toEqual(["invalid", "no_permission", "no_permission"]);
  });

  it("counts reactions on posts and comments once per person and key, and removes them when redacted", async () => {
    const { deliver, p, post, comments } = await world();
    const c = await deliver("m.room.message", { msgtype: "m.text", body: "comment", "m.relates_to": thread("$post") });
    const like = await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: "👍" } });
    await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: "👍" } });
    await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: "👍" } }, { sender: DAVE });
    const onComment = await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: c.eventId, key: "🎉" } }, { sender: DAVE });
    expect((await p.blogs.getPost(post.id, undefined)).reactions).toEqual({ "👍": 2 });
    expect((await comments())[0]!.reactions).toEqual({ "🎉": 1 });

    // Dave may not take back Bob's reaction; Bob and Dave take back their own.
    await deliver("m.room.redaction", {}, { redacts: like.eventId, sender: DAVE });
    expect((await p.blogs.getPost(post.id, undefined)).reactions).toEqual({ "👍": 2 });
    await deliver("m.room.redaction", {}, { redacts: like.eventId });
    await deliver("m.room.redaction", { redacts: onComment.eventId }, { sender: DAVE });
    expect((await p.blogs.getPost(post.id, undefined)).reactions).toEqual({ "👍": 1 });
    expect((await comments())[0]!.reactions).toEqual({});
  });

  it("deletes a comment redacted by its author or by a Matrix owner (moderation), a post redacted by its owner, and ignores anyone else's redaction", async () => {
    const { deliver, p, comments, store } = await world();
    const carolRoom = { room_id: CAROL_ROOM, sender: CAROL };
    const carolPost = await deliver("m.room.message", { msgtype: "m.text", body: "Title\nbody" }, carolRoom);
    const root = (await deliver("m.room.message", { msgtype: "m.text", body: "root", "m.relates_to": thread(carolPost.eventId) }, { room_id: CAROL_ROOM })).eventId;
    await deliver("m.room.message", { msgtype: "m.text", body: "reply", "m.relates_to": thread(carolPost.eventId, root) }, { room_id: CAROL_ROOM, sender: DAVE });
    const own = (await deliver("m.room.message", { msgtype: "m.text", body: "own", "m.relates_to": thread(carolPost.eventId) }, { room_id: CAROL_ROOM })).eventId;
    const [created] = (await p.blogs.listPosts(CAROL, undefined, { limit: 10 })).posts;
    const thread_ = () => comments(created!.id);

    await deliver("m.room.redaction", {}, { room_id: CAROL_ROOM, sender: DAVE, redacts: root });
    expect((await thread_()).map((c) => c.body).sort()).toEqual(["own", "reply", "root"]);
    await deliver("m.room.redaction", {}, { room_id: CAROL_ROOM, sender: CAROL, redacts: root });
    await deliver("m.room.redaction", { redacts: own }, { room_id: CAROL_ROOM });
    const after = await thread_();
    expect(after.map((c) => [c.body, c.deleted, c.deletedBy])).toEqual([
      ["", true, "blogOwner"],
      ["reply", false, undefined],
    ]);
    expect((await store.comments.get(after[0]!.id))!.author).toBe(BOB);

    // Bob cannot delete Carol's post; Carol can.
    await deliver("m.room.redaction", {}, { room_id: CAROL_ROOM, redacts: carolPost.eventId });
    expect((await p.blogs.getPost(created!.id, undefined)).title).toBe("Title");
    await deliver("m.room.redaction", {}, { ...carolRoom, redacts: carolPost.eventId });
    await expect(p.blogs.getPost(created!.id, undefined)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("survives hostile and unknown events without throwing", async () => {
    const { deliver, comments, p, post } = await world();
    const hostile: Array<[string, unknown, Record<string, unknown>?]> = [
      ["m.room.message", { msgtype: "m.text", body: 42, "m.relates_to": thread("$post") }],
      ["m.room.message", { msgtype: ["m.text"], body: "x", "m.relates_to": thread("$post") }],
      ["m.room.message", { msgtype: "m.text", body: "x".repeat(60_000), "m.relates_to": thread("$post") }],
      ["m.room.message", { msgtype: "m.text", body: "deep", "m.relates_to": thread("$post"), nest: JSON.parse("[".repeat(5000) + "]".repeat(5000)) }],
      ["m.room.message", { msgtype: "m.text", body: "thread of nothing", "m.relates_to": thread("$unknown") }],
      ["m.room.message", { msgtype: "m.text", body: "bad root", "m.relates_to": { rel_type: "m.thread", event_id: { $: 1 } } }],
      ["m.room.message", { msgtype: "m.text", body: "edit of nothing", "m.new_content": { msgtype: "m.text", body: "y" }, "m.relates_to": { rel_type: "m.replace", event_id: "$unknown" } }],
      ["m.room.message", { msgtype: "m.text", body: "edit of post", "m.new_content": "not an object", "m.relates_to": { rel_type: "m.replace", event_id: "$post" } }],
      ["m.room.message", { msgtype: "m.text", body: "in reply to a post", "m.relates_to": thread("$post", "$post") }, { event_id: "$selfish" }],
      ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: 5 } }],
      ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$post", key: "x".repeat(300) } }],
      ["m.reaction", "not an object"],
      ["m.room.redaction", {}, { redacts: "$unknown" }],
      ["m.room.redaction", { redacts: 12 }],
      ["m.room.redaction", {}, { redacts: "$post" }],
      ["m.sticker", { body: "sticker", url: "mxc://remote.example/abc" }],
      ["m.room.message", { msgtype: "m.text", body: "as state" }, { state_key: "" }],
      ["m.room.member", { membership: { join: true } }, { state_key: BOB }],
    ];
    for (const [type, content, extra] of hostile) await deliver(type, content, extra);
    // Fields Mirage does not read are ignored, however deep; the huge body and bad types were refused; a reply to the post is top-level.
    expect((await comments()).map((c) => c.body).sort()).toEqual(["deep", "in reply to a post"]);
    expect((await p.blogs.getPost(post.id, undefined)).reactions).toEqual({});
    // Events in rooms that are no blog's are not this handler's.
    const elsewhere = await deliver("m.room.message", { msgtype: "m.text", body: "Title\nbody" }, { room_id: "!other:test.example", sender: "@alice:remote.example" });
    expect(elsewhere.effects).toEqual([]);
  });
});
