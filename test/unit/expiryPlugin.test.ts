import Fastify from "fastify";
import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { Command, CommandContext } from "../../src/platform/commands/Command.js";
import { errorHandler } from "../../src/api/errorHandler.js";
import { validatorCompiler } from "../../src/api/validatorCompiler.js";
import { asMessageId } from "../../src/platform/ids.js";
import type { Person } from "../../src/platform/people/Person.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { startExpiry } from "../../plugins/expiry/index.js";
import { formatDuration, parseDuration } from "../../plugins/expiry/parseDuration.js";
import { fakePluginContext, memoryPluginStore } from "../support/fakePluginContext.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* The expiry plugin against a fake host: policies, published state, due times, expiry at start. */

const PORTAL = "!portal:test.example";

async function world() {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  // One clock for the platform and the plugin: journal times are on the time the test moves.
  const clock = { now: Date.now() };
  const p = platformOverStore(store, { now: () => clock.now });
  const alice = await p.person("alice");
  const bob = await p.person("bob");
  const room = await p.chat.createRoom(alice, { name: "Talk", invite: ["bob"] });
  await p.chat.join(bob, room.id);
  await store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
  const pluginStore = memoryPluginStore();
  let delivered = (await store.journal.head());
  const start = async () => {
    const fake = fakePluginContext({ id: "expiry", config: { maxSeconds: 7 * 86_400 }, platform: p, store: pluginStore, clock });
    const instance = await startExpiry(fake.ctx, () => clock.now);
    /** Hands the journal entries committed since the last call to the plugin's hooks. */
    const deliverNew = async () => {
      for (const entry of await store.journal.read(delivered, 1000)) {
        await fake.deliver(entry.event, entry.at, entry.position);
        delivered = entry.position;
      }
    };
    return { ...fake, instance, deliverNew };
  };
  return { store, p, alice, bob, room, clock, pluginStore, start };
}

function command(instance: { commands?: Command[] }, args: Record<string, string>, where: { sender?: string; roomId?: string } = {}) {
  const replies: string[] = [];
  const ctx: CommandContext = {
    sender: where.sender ?? "@mod:test.example",
    roomId: where.roomId ?? PORTAL,
    eventId: "$cmd",
    args,
    flags: new Set(),
    text: "",
    invocation: "!expire",
    commands: [],
    reply: (text) => replies.push(text),
    ageMs: () => 0,
  };
  return { run: () => instance.commands!.find((c) => c.name === "expire")!.run(ctx), replies };
}

describe("expiry plugin", () => {
  it("reads durations as people write them", () => {
    expect([parseDuration("30s"), parseDuration("5m"), parseDuration("1h"), parseDuration("7d"), parseDuration("1h30m")]).toEqual([30_000, 300_000, 3_600_000, 604_800_000, 5_400_000]);
    expect([parseDuration("soon"), parseDuration("0s"), parseDuration("5"), parseDuration("-1h")]).toEqual([undefined, undefined, undefined, undefined]);
    expect(formatDuration(5_400_000)).toBe("1h30m");
  });

  it("!expire 3s publishes both state events and expires a message sent afterwards once its time is up, not before", async () => {
    const w = await world();
    const plugin = await w.start();
    const cmd = command(plugin.instance, { duration: "3s" });
    await cmd.run();
    expect(cmd.replies).toEqual(["New messages here disappear 3s after they are sent."]);
    expect(plugin.actions).toEqual([
      { action: "setState", room: { roomId: w.room.id }, args: ["m.room.retention", "", { max_lifetime: 3000 }] },
      { action: "setState", room: { roomId: w.room.id }, args: ["com.beeper.disappearing_timer", "", { type: "after_send", timer: 3000 }] },
    ]);
    const sent = await w.p.chat.send(w.bob, w.room.id, { body: "gone soon" });
    await plugin.deliverNew();
    const sentAt = (await w.store.journal.read(0, 1000)).find((e) => e.event.type === "message.created" && e.event.messageId === sent.id)!.at;
    await plugin.advance(sentAt + 2999);
    expect(await w.store.messages.get(asMessageId(sent.id))).toBeDefined();
    await plugin.advance(sentAt + 3000);
    expect(await w.store.messages.get(asMessageId(sent.id))).toBeUndefined();
    expect(w.p.emitted.at(-1)?.event).toMatchObject({ type: "message.expired", messageId: sent.id });
    expect([...w.pluginStore.data.keys()].filter((k) => k.startsWith("due:"))).toEqual([]);
  });

  it("times a message from its creation as people see it: the journal entry's time (its due time's start) is its createdAt", async () => {
    const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    // Every reading of the clock is later than the one before, as when rendering takes a while.
    let t = 1_000_000;
    const p = platformOverStore(store, { now: () => (t += 250) });
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk" });
    const sent = await p.chat.send(alice, room.id, { body: "timed" });
    const entry = (await store.journal.read(0, 1000)).find((e) => e.event.type === "message.created")!;
    expect(entry.at).toBe(sent.createdAt);
  });

  it("expires at start what fell due while Mirage was down, and keeps waiting for what is not due yet", async () => {
    const w = await world();
    const first = await w.start();
    await command(first.instance, { duration: "1m" }).run();
    const t0 = w.clock.now;
    const early = await w.p.chat.send(w.bob, w.room.id, { body: "early" });
    const late = await w.p.chat.send(w.bob, w.room.id, { body: "late" });
    const created = (id: string) => ({ type: "message.created" as const, roomId: w.room.id, messageId: id, by: "bob" });
    await first.deliver(created(early.id), t0);
    await first.deliver(created(late.id), t0 + 30_000);
    first.stop();

    // Down past the first message's due time; the second is due later.
    w.clock.now = t0 + 75_000;
    const second = await w.start();
    expect(await w.store.messages.get(asMessageId(early.id))).toBeUndefined();
    expect(await w.store.messages.get(asMessageId(late.id))).toBeDefined();
    await second.advance(t0 + 89_999);
    expect(await w.store.messages.get(asMessageId(late.id))).toBeDefined();
    await second.advance(t0 + 90_000);
    expect(await w.store.messages.get(asMessageId(late.id))).toBeUndefined();
  });

  it("!expire 1m read: a message's time starts once every other member has read it, by a read marker at or after it or by sending after it", async () => {
    const w = await world();
    const plugin = await w.start();
    const cmd = command(plugin.instance, { duration: "1m", mode: "read" });
    await cmd.run();
    expect(cmd.replies).toEqual(["New messages here disappear 1m after everyone else has read them."]);
    expect(plugin.actions.at(-1)?.args).toEqual(["com.beeper.disappearing_timer", "", { type: "after_read", timer: 60_000 }]);
    const first = await w.p.chat.send(w.alice, w.room.id, { body: "first" });
    const second = await w.p.chat.send(w.alice, w.room.id, { body: "second" });
    await plugin.deliverNew();
    const exists = async (id: string) => (await w.store.messages.get(asMessageId(id))) !== undefined;

    // Unread: it stays long after its lifetime.
    const t0 = w.clock.now;
    await plugin.advance(t0 + 3_600_000);
    expect([await exists(first.id), await exists(second.id)]).toEqual([true, true]);

    // Bob reads up to the first (his read marker moves to it): its time starts then; the second still waits.
    await w.p.chat.markRead(w.bob, w.room.id, first.id);
    await plugin.deliverNew();
    const read1 = (await w.store.journal.read(0, 1000)).at(-1)!.at;
    expect((await w.store.journal.read(0, 1000)).at(-1)!.event.type).toBe("room.read");
    await plugin.advance(Math.max(w.clock.now, read1 + 59_999));
    expect(await exists(first.id)).toBe(true);
    await plugin.advance(read1 + 60_000);
    expect([await exists(first.id), await exists(second.id)]).toEqual([false, true]);

    // Bob answers: sending after it reads it; his own message waits for Alice.
    const answer = await w.p.chat.send(w.bob, w.room.id, { body: "answer" });
    await plugin.deliverNew();
    const answeredAt = (await w.store.journal.read(0, 1000)).find((e) => e.event.type === "message.created" && e.event.messageId === answer.id)!.at;
    await plugin.advance(Math.max(w.clock.now, answeredAt + 60_000));
    expect([await exists(second.id), await exists(answer.id)]).toEqual([false, true]);
  });

  it("after_read: a member who leaves is no longer waited for; the sender alone in the room starts the time at once", async () => {
    const w = await world();
    const carol = await w.p.person("carol");
    await w.p.chat.invite(w.alice, w.room.id, "carol");
    await w.p.chat.join(carol, w.room.id);
    const plugin = await w.start();
    await command(plugin.instance, { duration: "1m", mode: "after_read" }).run();
    const sent = await w.p.chat.send(w.alice, w.room.id, { body: "for both" });
    await plugin.deliverNew();
    await w.p.chat.markRead(w.bob, w.room.id, sent.id);
    await plugin.deliverNew();
    await plugin.advance(w.clock.now + 3_600_000);
    expect(await w.store.messages.get(asMessageId(sent.id))).toBeDefined();
    await w.p.chat.leave(carol, w.room.id);
    await plugin.deliverNew();
    const leftAt = (await w.store.journal.read(0, 1000)).at(-1)!.at;
    await plugin.advance(Math.max(w.clock.now, leftAt + 60_000));
    expect(await w.store.messages.get(asMessageId(sent.id))).toBeUndefined();

    // Alone: nobody else to read it.
    await w.p.chat.leave(w.bob, w.room.id);
    const alone = await w.p.chat.send(w.alice, w.room.id, { body: "to nobody" });
    await plugin.deliverNew();
    const aloneAt = (await w.store.journal.read(0, 1000)).at(-1)!.at;
    await plugin.advance(Math.max(w.clock.now, aloneAt + 60_000));
    expect(await w.store.messages.get(asMessageId(alone.id))).toBeUndefined();
  });

  it("a blog's comment timer: its owner sets it with !expire in the blog's room; comments written after it expire, others' blogs keep theirs", async () => {
    const w = await world();
    const owner = "@owner:elsewhere";
    await w.store.idMapping.link([{ ref: { kind: "blog", id: owner }, roomId: "!blog:test.example", origin: "platform" }]);
    const plugin = await w.start();
    const inBlogRoom = (sender: string, args: Record<string, string>) => command(plugin.instance, args, { sender, roomId: "!blog:test.example" });
    const refused = inBlogRoom("@mod:test.example", { duration: "1m" });
    await refused.run();
    expect(refused.replies).toEqual(["Only the blog's owner sets its comment timer."]);
    const set = inBlogRoom(owner, { duration: "1m" });
    await set.run();
    expect(set.replies).toEqual(["New comments here disappear 1m after they are written."]);
    const post = await w.p.blogs.createPost(people.fromId(owner), owner, { title: "T", body: "x" });
    const other = await w.p.blogs.createPost(w.alice, "alice", { title: "Alice's", body: "y" });
    const doomed = await w.p.comments.addComment(w.bob, post.id, { body: "gone in a minute" });
    const kept = await w.p.comments.addComment(w.bob, other.id, { body: "stays" });
    await plugin.deliverNew();
    const writtenAt = (await w.store.journal.read(0, 1000)).find((e) => e.event.type === "comment.created" && e.event.commentId === doomed.id)!.at;
    await plugin.advance(Math.max(w.clock.now, writtenAt + 59_999));
    expect(await w.store.comments.get(doomed.id)).toBeDefined();
    await plugin.advance(writtenAt + 60_000);
    expect(await w.store.comments.get(doomed.id)).toBeUndefined();
    expect(w.p.emitted.at(-1)?.event).toMatchObject({ type: "comment.expired", commentId: doomed.id });
    expect(await w.store.comments.get(kept.id)).toBeDefined();

    const off = inBlogRoom(owner, { duration: "off" });
    await off.run();
    const later = await w.p.comments.addComment(w.bob, post.id, { body: "after off" });
    await plugin.deliverNew();
    await plugin.advance(w.clock.now + 3_600_000);
    expect(await w.store.comments.get(later.id)).toBeDefined();
  });

  it("leaves messages alone in a room without a timer and after !expire off", async () => {
    const w = await world();
    const plugin = await w.start();
    await command(plugin.instance, { duration: "5s" }).run();
    const off = command(plugin.instance, { duration: "off" });
    await off.run();
    expect(plugin.actions.slice(2).map((a) => a.args)).toEqual([
      ["m.room.retention", "", {}],
      ["com.beeper.disappearing_timer", "", {}],
    ]);
    const kept = await w.p.chat.send(w.bob, w.room.id, { body: "stays" });
    await plugin.deliverNew();
    await plugin.advance(w.clock.now + 86_400_000);
    expect(await w.store.messages.get(asMessageId(kept.id))).toBeDefined();
  });

  it("takes a timer set in a Matrix client as the room's policy and publishes the other state event to match", async () => {
    const w = await world();
    const plugin = await w.start();
    const state = (type: string, content: Record<string, unknown>) =>
      plugin.observe({ type, roomId: PORTAL, sender: "@mod:test.example", eventId: `$${type}`, stateKey: "", content, originServerTs: w.clock.now });
    await state("com.beeper.disappearing_timer", { type: "after_send", timer: 60_000 });
    expect(plugin.actions).toEqual([{ action: "setState", room: { roomId: w.room.id }, args: ["m.room.retention", "", { max_lifetime: 60_000 }] }]);
    // The echo of what was published changes nothing.
    await state("m.room.retention", { max_lifetime: 60_000 });
    expect(plugin.actions).toHaveLength(1);
    const cmd = command(plugin.instance, {});
    await cmd.run();
    expect(cmd.replies).toEqual(["Messages here disappear 1m after they are sent."]);
    await state("m.room.retention", {});
    expect(plugin.actions.at(-1)?.args).toEqual(["com.beeper.disappearing_timer", "", {}]);
  });

  it("PUT /expiry: the room's moderator sets and clears the timer; another member is refused", async () => {
    const w = await world();
    const plugin = await w.start();
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler([]));
    app.setErrorHandler(errorHandler);
    let as: Person = w.alice;
    app.addHook("preHandler", async (request) => {
      const { room, membership } = await w.p.chat.getRoom(as, w.room.id);
      request.mirage = { person: as, room, membership };
    });
    await app.register(plugin.instance.roomRoutes!, { prefix: `/api/v1/rooms/${w.room.id}` });
    const put = (body: unknown) => app.inject({ method: "PUT", url: `/api/v1/rooms/${w.room.id}/expiry`, payload: body as object });
    expect((await put({ seconds: 3600 })).json()).toEqual({ seconds: 3600, mode: "after_send" });
    expect(plugin.actions.map((a) => a.args[2])).toEqual([{ max_lifetime: 3_600_000 }, { type: "after_send", timer: 3_600_000 }]);
    expect((await put({ seconds: 0 })).statusCode).toBe(400);
    expect((await put({ seconds: 60, mode: "after_read" })).json()).toEqual({ seconds: 60, mode: "after_read" });
    expect(plugin.actions.at(-1)?.args[2]).toEqual({ type: "after_read", timer: 60_000 });
    expect((await put({ seconds: 30 * 86_400 })).statusCode).toBe(400);
    as = w.bob;
    const refused = await put({ seconds: null });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("FORBIDDEN");
    as = w.alice;
    expect((await put({ seconds: null })).json()).toEqual({ seconds: null, mode: "after_send" });
    expect(plugin.actions.slice(4).map((a) => a.args[2])).toEqual([{}, {}]);
    await app.close();
  });
});
