import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { blogCommands } from "../../src/bridge/commands/blogCommands.js";
import { blogWebUrls } from "../../src/bridge/blogWebUrls.js";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { MatrixRoomFacts } from "../../src/matrix/MatrixRoomFacts.js";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { permissionRefusal, type CommandPlace } from "../../src/platform/commands/checkPermission.js";
import { coreCommands } from "../../src/platform/commands/coreCommands.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";
import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { PlatformRef } from "../../src/platform/ports/IdMapping.js";

const BOB = "@bob:example.org";
const CAROL = "@carol:example.org";
const DM = "!dm:test.example";

function world(places: Record<string, CommandPlace> = {}) {
  const p = platformOverStore(storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel));
  const names = new BridgeNames("mirage_", "test.example");
  const urls = blogWebUrls("https://mirage.example/");
  const registry = new CommandRegistry();
  const displayNames: Record<string, string> = { [BOB]: "Bob B." };
  for (const c of [
    ...coreCommands({ version: "1" }),
    ...blogCommands({
      blogs: p.blogs,
      blogAlias: (owner) => names.blogAlias(owner),
      blogUrl: urls.blog,
      postUrl: urls.post,
      displayName: async (userId) => displayNames[userId],
      ghosts: people.ghostAccounts("mirage_", "test.example"),
    }),
  ]) {
    registry.register(c);
  }
  const facts: RoomFacts = {
    powerLevel: async () => 0,
    isDirectWithBot: async (roomId) => roomId === DM,
    isBridgeAdmin: (id) => id === "@admin:test.example",
    place: async (roomId) => places[roomId] ?? (roomId === DM ? { kind: "dm" } : { kind: "room" }),
  };
  const dispatcher = new CommandDispatcher(registry, facts);
  const send = async (body: string, sender = BOB, roomId = DM) => dispatcher.dispatch({ body, sender, roomId, eventId: "$e", sentAt: 0 });
  /** The reply text of a command that ran. */
  const ok = async (body: string, sender = BOB, roomId = DM) => {
    const result = await send(body, sender, roomId);
    if (result.kind !== "ran") throw new Error(`${body} → ${JSON.stringify(result)}`);
    return result.replies.map((r) => r.text).join("\n");
  };
  /** The reply text of a command that was refused. */
  const refused = async (body: string, sender = BOB, roomId = DM) => {
    const result = await send(body, sender, roomId);
    if (result.kind !== "rejected") throw new Error(`${body} ran: ${JSON.stringify(result)}`);
    return { reason: result.reason, text: result.replies.map((r) => r.text).join("\n") };
  };
  const bob = people.fromId(BOB);
  return { p, send, ok, refused, bob };
}

describe("!blog create", () => {
  it("makes the sender's blog titled after their display name, with its URL and room alias; again, retitles it", async () => {
    const { p, ok } = world();
    const made = await ok("!blog create");
    expect(made).toContain('Your blog "Bob B." is ready: https://mirage.example/@@bob:example.org');
    expect(made).toContain("#mirage_blog_bob=3aexample.org:test.example");
    expect(made).toContain("you will be invited");
    expect((await p.blogs.getBlog(BOB)).title).toBe("Bob B.");
    expect(p.emitted.map((e) => e.event.type)).toEqual(["blog.updated"]);

    expect(await ok("!blog create")).toContain('You have a blog already: "Bob B."');
    expect(await ok("!blog create My notes")).toContain('Your blog is now titled "My notes"');
    expect((await p.blogs.getBlog(BOB)).title).toBe("My notes");
  });

  it("falls back to the Matrix ID without a display name", async () => {
    const { p, ok } = world();
    await ok("!blog create", CAROL);
    expect((await p.blogs.getBlog(CAROL)).title).toBe(CAROL);
  });
});

describe("!blog post, edit, publish, unpublish, delete", () => {
  it("posts the lines below the title as the Markdown body, published", async () => {
    const { p, ok, bob } = world();
    await ok("!blog create My notes");
    const answer = await ok("!blog post Hello world\nFirst *line*\n\n- second");
    expect(answer).toBe('Published "Hello world" (slug hello-world): https://mirage.example/@@bob:example.org/hello-world');
    const post = await p.blogs.getPostBySlug(BOB, "hello-world", undefined);
    expect(post).toMatchObject({ title: "Hello world", body: "First *line*\n\n- second", published: true, author: BOB });
    expect((await p.blogs.listPosts(BOB, bob, { limit: 5 })).posts).toHaveLength(1);
  });

  it("keeps --draft posts from readers until !blog publish, and hides them again with !blog unpublish", async () => {
    const { p, ok } = world();
    const answer = await ok("!blog post --draft Secret plan\nnot yet");
    expect(answer).toContain('Saved the draft "Secret plan" (slug secret-plan)');
    expect(answer).toContain("!blog publish secret-plan");
    await expect(p.blogs.getPostBySlug(BOB, "secret-plan", undefined)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await ok("!blog publish secret-plan")).toContain('Published "Secret plan"');
    expect((await p.blogs.getPostBySlug(BOB, "secret-plan", undefined)).published).toBe(true);
    expect(await ok("!blog unpublish secret-plan")).toContain("is a draft again");
    await expect(p.blogs.getPostBySlug(BOB, "secret-plan", undefined)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a post without a body, clearly", async () => {
    const { refused } = world();
    expect(await refused("!blog post Title only")).toMatchObject({ reason: "usage", text: expect.stringContaining("Missing body: write it on the lines after the command.") });
    expect((await refused("!blog post\nbody without a title")).text).toContain("Missing title.");
  });

  it("edits the title and/or the body; nothing given is an error", async () => {
    const { p, ok, refused, bob } = world();
    await ok("!blog post Draft title\nold body");
    expect(await ok("!blog edit draft-title Better title")).toContain('Edited "Better title" (slug draft-title)');
    expect(await p.blogs.getPostBySlug(BOB, "draft-title", bob)).toMatchObject({ title: "Better title", body: "old body" });
    await ok("!blog edit draft-title\nnew body\nline two");
    expect(await p.blogs.getPostBySlug(BOB, "draft-title", bob)).toMatchObject({ title: "Better title", body: "new body\nline two" });
    expect((await refused("!blog edit draft-title")).text).toContain("Nothing to change");
    expect((await refused("!blog edit no-such-post New")).text).toContain('You have no post with the slug "no-such-post"');
  });

  it("deletes a post", async () => {
    const { p, ok, refused } = world();
    await ok("!blog post Gone soon\nx");
    expect(await ok("!blog delete gone-soon")).toBe('Deleted "Gone soon".');
    await expect(p.blogs.getPostBySlug(BOB, "gone-soon", people.fromId(BOB))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await refused("!blog delete gone-soon")).reason).toBe("failed");
  });
});

describe("!blog list, open, close, block, unblock", () => {
  it("lists posts with slug, title, state and comment count, drafts included, capped with a count of the rest", async () => {
    const { p, ok, refused } = world();
    expect((await refused("!blog list")).text).toContain("You have no blog yet: make it with !blog create");
    await ok("!blog create Notes");
    expect(await ok("!blog list")).toContain("has no posts yet");
    await ok("!blog post First\nbody");
    await ok("!blog post --draft Second\nbody");
    const first = await p.blogs.getPostBySlug(BOB, "first", undefined);
    await p.comments.addComment(people.fromId(CAROL), first.id, { body: "nice" });
    const list = await ok("!blog list");
    expect(list).toContain('"Notes": 1 published, 1 draft(s)');
    expect(list).toContain('• second — "Second" (draft, 0 comments)');
    expect(list).toContain('• first — "First" (published, 1 comment)');
    for (let i = 0; i < 21; i++) await ok(`!blog post Extra ${i}\nbody`);
    const capped = await ok("!blog list");
    expect(capped.split("\n").filter((l) => l.startsWith("• "))).toHaveLength(20);
    expect(capped).toContain("…and 3 more.");
  });

  it("closes and reopens a post's comments", async () => {
    const { p, ok } = world();
    await ok("!blog post Talk\nbody");
    expect(await ok("!blog close talk")).toBe('Comments on "Talk" are closed.');
    expect((await p.blogs.getPostBySlug(BOB, "talk", undefined)).commentsOpen).toBe(false);
    expect(await ok("!blog list")).toContain("comments closed");
    await ok("!blog open talk");
    expect((await p.blogs.getPostBySlug(BOB, "talk", undefined)).commentsOpen).toBe(true);
  });

  it("blocks and unblocks commenters by any handle spelling, canonically", async () => {
    const { p, ok, refused, bob } = world();
    await ok("!blog create");
    expect(await ok("!blog block carol@example.org")).toContain(`Blocked ${CAROL}`);
    expect(await ok(`!blog block ${CAROL}`)).toContain("is blocked already");
    expect(await ok("!blog block @mirage_alice:test.example")).toContain("Blocked alice");
    expect((await p.blogs.getBlog(BOB, bob)).blockedCommenters).toEqual([CAROL, "alice"]);
    const post = await p.blogs.createPost(bob, BOB, { title: "T", body: "b" });
    await expect(p.comments.addComment(people.fromId(CAROL), post.id, { body: "hi" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await ok("!blog unblock @carol:example.org")).toContain(`Unblocked ${CAROL}`);
    expect(await ok("!blog unblock carol@example.org")).toContain("is not blocked");
    expect((await p.blogs.getBlog(BOB, bob)).blockedCommenters).toEqual(["alice"]);
    expect((await refused("!blog block not a handle!")).reason).toBe("usage");
    expect((await refused("!blog block @@@")).text).toContain("is not a handle");
    expect((await refused(`!blog block ${BOB}`)).text).toContain("You cannot block yourself");
  });
});

describe("where blog commands run", () => {
  const places: Record<string, CommandPlace> = {
    "!bobblog:test.example": { kind: "blog", owner: BOB },
    "!portal:test.example": { kind: "portal" },
  };

  it("runs in a DM with the bot and in the sender's own blog room", async () => {
    const { ok } = world(places);
    await ok("!blog post From DM\nx");
    expect(await ok("!blog post From blog room\nx", BOB, "!bobblog:test.example")).toContain("Published");
  });

  it("refuses someone else's blog room, a portal and a shared room, with the reason; bridge admins too", async () => {
    const { p, refused } = world(places);
    const other = await refused("!blog post Hijack\nx", CAROL, "!bobblog:test.example");
    expect(other).toEqual({ reason: "permission", text: expect.stringContaining("This is someone else's blog room") });
    expect((await refused("!blog close x", CAROL, "!bobblog:test.example")).text).toContain("someone else's blog room");
    expect((await refused("!blog list", BOB, "!portal:test.example")).text).toContain("not in a chat portal");
    expect((await refused("!blog create", BOB, "!group:test.example")).text).toContain("not in a shared room");
    expect((await refused("!blog post X\ny", "@admin:test.example", "!bobblog:test.example")).reason).toBe("permission");
    await expect(p.blogs.getBlog(CAROL)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("answers help anywhere, generated from the command data", async () => {
    const { ok, send } = world(places);
    const help = await ok("!blog", CAROL, "!portal:test.example");
    for (const usage of ["!blog post [--draft] <title…> + <body> on the lines below", "!blog edit <slug> [title…] + [body] on the lines below", "!blog block <user>", "!blog list"]) {
      expect(help).toContain(usage);
    }
    expect(help).not.toContain("!mirage ping");
    expect(await send("!blog frobnicate")).toMatchObject({ reason: "unknown", replies: [{ text: expect.stringContaining("!blog create") }] });
  });
});

describe("MatrixRoomFacts.place", () => {
  it("asks the ID mapping first: a bridged DM is a portal, not a DM with the bot", async () => {
    const refs: Record<string, PlatformRef> = { "!blog:hs": { kind: "blog", id: BOB }, "!dmportal:hs": { kind: "room", id: "r_1" } };
    const members: Record<string, string[]> = { "!dmportal:hs": [BOB, "@mirage_alice:hs"], "!dm:hs": [BOB, "@mirage:hs"], "!group:hs": [BOB, CAROL, "@mirage:hs"] };
    const appservice = { botClient: { getJoinedRoomMembers: async (roomId: string) => members[roomId] ?? [] } } as unknown as Appservice;
    const facts = new MatrixRoomFacts(appservice, [], { byRoom: async (roomId) => refs[roomId] });
    expect(await facts.place("!blog:hs")).toEqual({ kind: "blog", owner: BOB });
    expect(await facts.place("!dmportal:hs")).toEqual({ kind: "portal" });
    expect(await facts.place("!dm:hs")).toEqual({ kind: "dm" });
    expect(await facts.place("!group:hs")).toEqual({ kind: "room" });
  });
});

describe("permissionRefusal", () => {
  const standing = (place: CommandPlace | undefined, extra: { isBridgeAdmin?: boolean } = {}) => ({ sender: BOB, powerLevel: 100, isBridgeAdmin: false, place, ...extra });
  it("decides blog commands by the room alone, and power-level commands as before", () => {
    expect(permissionRefusal("blogOwner", standing({ kind: "dm" }), "blog post")).toBeUndefined();
    expect(permissionRefusal("blogOwner", standing({ kind: "blog", owner: BOB }), "blog post")).toBeUndefined();
    expect(permissionRefusal("blogOwner", standing({ kind: "blog", owner: CAROL }), "blog post")).toMatch(/someone else's blog room/);
    expect(permissionRefusal("blogOwner", standing({ kind: "blog", owner: CAROL }, { isBridgeAdmin: true }), "blog post")).toMatch(/someone else's/);
    expect(permissionRefusal("blogOwner", standing(undefined), "blog post")).toMatch(/not in a shared room/);
    expect(permissionRefusal("admin", { sender: BOB, powerLevel: 50, isBridgeAdmin: false }, "x")).toBe("⛔ Only room admins may run !x.");
    expect(permissionRefusal("bridgeAdmin", { sender: BOB, powerLevel: 100, isBridgeAdmin: true }, "x")).toBeUndefined();
  });
});
