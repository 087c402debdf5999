import { MemoryLevel } from "memory-level";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BridgeEventHandler } from "../../src/bridge/BridgeEventHandler.js";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { imageRef } from "../../src/bridge/convert/imageRefs.js";
import { parseRoomEvent } from "../../src/matrix/matrixEvent.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Matrix → platform in a portal: what arrives is imported once, with its thread and kind; what cannot be is refused once, and nothing stalls or crashes. */

const PORTAL = "!portal:test.example";
const BOB = "@bob:remote.example";

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const room = await p.chat.createRoom(alice, { name: "portal", invite: [BOB] });
  await p.chat.invite(people.matrix(BOB as MatrixUserId), room.id, BOB);
  await store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
  const handler = new BridgeEventHandler({
    chat: p.chat,
    reactions: p.reactions,
    rooms: store.rooms,
    messages: store.messages,
    mapping: store.idMapping,
    names: new BridgeNames("mirage_", "test.example"),
    ghosts: people.ghostAccounts("mirage_", "test.example"),
    botUserId: "@mirage:test.example",
    isOwnUser: (id) => id === "@mirage:test.example" || id.startsWith("@mirage_"),
    mediaUrl: (mxc) => `https://mirage.example/media/${mxc.slice(6)}`,
    logger: pino({ level: "silent" }),
  });
  let n = 0;
  /** Delivers one raw event from Bob (fields overridable) and resolves with its event ID and the effects it queued. */
  const deliver = async (type: string, content: unknown, extra: Record<string, unknown> = {}) => {
    const eventId = `$e${++n}`;
    const event = parseRoomEvent({ type, room_id: PORTAL, sender: BOB, event_id: eventId, origin_server_ts: n, content, ...extra });
    const effects: OutboxEntryInput[] = [];
    if (event) await handler.handle(event, { send: (e) => void effects.push(e) });
    return { eventId: event?.eventId ?? eventId, effects };
  };
  /** Every message of the room, thread replies included, oldest first. */
  const timeline = async () => (await store.messages.page(room.id, { limit: 200 })).reverse();
  return { store, p, alice, room, deliver, timeline };
}

describe("portal events into the platform", () => {
  it("imports threads, in-thread replies, kinds, media and edits that stay in their thread, each once", async () => {
    const { deliver, timeline } = await world();
    const root = await deliver("m.room.message", { msgtype: "m.text", body: "root" });
    const inThread = await deliver("m.room.message", { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root.eventId, is_falling_back: true, "m.in_reply_to": { event_id: root.eventId } } });
    await deliver("m.room.message", { msgtype: "m.text", body: "answer", "m.relates_to": { rel_type: "m.thread", event_id: root.eventId, is_falling_back: false, "m.in_reply_to": { event_id: inThread.eventId } } });
    await deliver("m.room.message", { msgtype: "m.notice", body: "a notice" });
    await deliver("m.room.message", { msgtype: "m.emote", body: "waves" });
    await deliver("m.room.message", { msgtype: "m.image", body: "cat.png", url: "mxc://remote.example/abc123" });
    await deliver("m.room.message", { msgtype: "m.file", body: "notes.txt", url: "mxc://remote.example/def456" });
    await deliver("m.room.message", { msgtype: "m.text", body: "* edited", "m.new_content": { msgtype: "m.text", body: "in thread, edited" }, "m.relates_to": { rel_type: "m.replace", event_id: inThread.eventId } });

    const [r, t, a, notice, emote, image, file] = await timeline();
    expect(r).toMatchObject({ body: "root" });
    expect(r!.threadId).toBeUndefined();
    expect(t).toMatchObject({ body: "in thread, edited", threadId: r!.id });
    expect(t!.parentId).toBeUndefined();
    expect(a).toMatchObject({ body: "answer", threadId: r!.id, parentId: t!.id });
    expect(notice).toMatchObject({ body: "a notice", kind: "notice" });
    expect(emote).toMatchObject({ body: "waves", kind: "emote" });
    expect(image!.body).toBe("![cat.png](https://mirage.example/media/remote.example/abc123)");
    expect(file!.body).toBe("[notes.txt](https://mirage.example/media/remote.example/def456)");
  });

  it("turns pills into handles: a ghost's into its account, anyone else's into their Matrix ID", async () => {
    const { deliver, timeline } = await world();
    await deliver("m.room.message", {
      msgtype: "m.text",
      body: "Alice and Dave: hi",
      format: "org.matrix.custom.html",
      formatted_body: '<a href="https://matrix.to/#/@mirage_alice:test.example">Alice</a> and <a href="https://matrix.to/#/@dave:remote.example">Dave</a>: hi',
      "m.mentions": { user_ids: ["@mirage_alice:test.example", "@dave:remote.example"] },
    });
    expect((await timeline()).map((m) => m.body)).toEqual(["@alice and @dave:remote.example: hi"]);
  });

  it("survives hostile events, refuses what the platform cannot take once, and keeps the room going", async () => {
    const { deliver, timeline, p, alice, room, store } = await world();
    const ghostMessage = await p.chat.send(alice, room.id, { body: "alice's" });
    const before = (await timeline()).length;
    const hostile: Array<[string, unknown, Record<string, unknown>?]> = [
      ["m.room.message", { msgtype: "m.text", body: 42 }],
      ["m.room.message", { msgtype: "m.text", body: { toString: "x" } }],
      ["m.room.message", { msgtype: ["m.text"], body: "array msgtype" }],
      ["m.room.message", { msgtype: "m.text" }],
      ["m.room.message", { msgtype: "m.text", body: "   " }],
      ["m.room.message", { msgtype: "m.location", body: "somewhere", geo_uri: "geo:0,0" }],
      ["m.room.message", { msgtype: "m.image", body: "x", url: "javascript:alert(1)" }],
      ["m.room.message", { msgtype: "m.image", body: "x", url: "mxc://../../etc/passwd" }],
      ["m.room.message", { msgtype: "m.text", body: "x".repeat(60_000) }],
      ["m.room.message", { msgtype: "m.text", body: "edit of nothing", "m.new_content": { msgtype: "m.text", body: "y" }, "m.relates_to": { rel_type: "m.replace", event_id: "$unknown" } }],
      ["m.room.message", { msgtype: "m.text", body: "edit without content", "m.relates_to": { rel_type: "m.replace", event_id: "$unknown" } }],
      ["m.room.message", { msgtype: "m.text", body: "relates_to string", "m.relates_to": "$x" }],
      ["m.room.message", { msgtype: "m.text", body: "thread of nothing", "m.relates_to": { rel_type: "m.thread", event_id: "$unknown" } }],
      ["m.room.message", { msgtype: "m.text", body: "reply to nothing", "m.relates_to": { "m.in_reply_to": { event_id: 7 } } }],
      ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$unknown", key: "👍" } }],
      ["m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$e1", key: 5 } }],
      ["m.reaction", "not an object"],
      ["m.room.redaction", {}, { redacts: "$unknown" }],
      ["m.room.redaction", { redacts: 12 }],
      ["m.room.member", { membership: "join" }],
      ["m.room.member", { membership: { join: true } }, { state_key: BOB }],
      ["m.room.message", { msgtype: "m.text", body: "a message as state" }, { state_key: "" }],
      ["m.room.message", { msgtype: "m.text", body: "<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))" }],
    ];
    const refusals: OutboxEntryInput[][] = [];
    for (const [type, content, extra] of hostile) refusals.push((await deliver(type, content, extra)).effects);
    // Bob may not edit Alice's message: refused, not applied.
    await store.idMapping.link([{ ref: { kind: "message", id: ghostMessage.id }, roomId: PORTAL, eventId: "$ghost", origin: "platform" }]);
    const { effects: notHis } = await deliver("m.room.message", { msgtype: "m.text", body: "* mine now", "m.new_content": { msgtype: "m.text", body: "mine now" }, "m.relates_to": { rel_type: "m.replace", event_id: "$ghost" } });
    expect(notHis[0]).toMatchObject({ eventType: "com.beeper.message_send_status", content: { reason: "m.no_permission" } });
    await deliver("m.room.message", { msgtype: "m.text", body: "still here" });

    const after = await timeline();
    const imported = after.slice(before).map((m) => m.body);
    // Broken relations degrade to plain messages; markup typed as text stays text (escaped).
    expect(imported).toEqual([
      "edit without content",
      "relates_to string",
      "thread of nothing",
      "reply to nothing",
      "\\<script\\>alert(1)\\</script\\>\\<img src=x onerror=alert(1)\\>\\[x\\](javascript:alert(1))",
      "still here",
    ]);
    expect(after.find((m) => m.body === "a message as state")).toBeUndefined();
    expect(after.find((m) => m.id === ghostMessage.id)!.body).toBe("alice's");

    // Each refused message got one status event and one notice replying to it; nothing else did.
    const refusedIndexes = refusals.flatMap((effects, i) => (effects.length > 0 ? [i] : []));
    expect(refusedIndexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const effects of refusals.filter((e) => e.length > 0)) {
      expect(effects.map((e) => (e.op === "send" ? e.eventType : e.op))).toEqual(["com.beeper.message_send_status", "m.room.message"]);
      expect(effects[0]).toMatchObject({ content: { status: "FAIL_PERMANENT", "m.relates_to": { rel_type: "m.reference" } } });
    }
    expect(refusals[8]![0]).toMatchObject({ content: { reason: "m.event_not_handled" } });
  });

  it("takes a reaction, reply or redaction aimed at an image Mirage sent after a message as about no platform object", async () => {
    const { deliver, timeline, p, alice, room, store } = await world();
    const text = await p.chat.send(alice, room.id, { body: "look ![a](https://img.example/a.png)" });
    await store.idMapping.link([
      { ref: { kind: "message", id: text.id }, roomId: PORTAL, eventId: "$text", origin: "platform" },
      { ref: imageRef({ kind: "message", id: text.id }, 0), roomId: PORTAL, eventId: "$image", origin: "platform" },
    ]);
    const reaction = await deliver("m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: "$image", key: "👍" } });
    const reply = await deliver("m.room.message", { msgtype: "m.text", body: "nice", "m.relates_to": { "m.in_reply_to": { event_id: "$image" } } });
    const redaction = await deliver("m.room.redaction", {}, { redacts: "$image" });
    expect([reaction.effects, reply.effects, redaction.effects]).toEqual([[], [], []]);
    const [message, answer] = await timeline();
    expect(message).toMatchObject({ id: text.id, deleted: false });
    expect(answer).toMatchObject({ body: "nice" });
    expect(answer!.parentId).toBeUndefined();
  });

  it("does nothing the second time it sees an event", async () => {
    const { deliver, timeline } = await world();
    const content = { msgtype: "m.text", body: "once" };
    await deliver("m.room.message", content, { event_id: "$once" });
    const again = await deliver("m.room.message", content, { event_id: "$once" });
    expect(again.effects).toEqual([]);
    expect((await timeline()).map((m) => m.body)).toEqual(["once"]);
  });
});
