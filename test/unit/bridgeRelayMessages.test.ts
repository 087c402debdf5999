import { MemoryLevel } from "memory-level";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { BridgeRelay } from "../../src/bridge/BridgeRelay.js";
import type { DomainEvent } from "../../src/platform/events/DomainEvent.js";
import type { MessageId } from "../../src/platform/ids.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Platform → Matrix: the outbox operations the relay queues for messages, with their relations by platform reference. */

async function world(maxImagesPerMessage = 0) {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const room = await p.chat.createRoom(alice, { name: "threads" });
  // The portal exists: the relay queues only the message operations.
  await store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: "!portal:test.example", origin: "platform" }]);
  const relay = new BridgeRelay({
    rooms: store.rooms,
    messages: store.messages,
    accounts: store.accounts,
    mapping: store.idMapping,
    outbox: store.outbox,
    renderer: { toWebHtml: async (md) => md, toMatrixHtml: async (md) => `<p>${md}</p>` },
    names: new BridgeNames("mirage_", "test.example"),
    portal: { botUserId: "@mirage:test.example", encrypt: false },
    logger: pino({ level: "silent" }),
    onQueued: () => undefined,
    maxImagesPerMessage,
  });
  const created = (messageId: MessageId): DomainEvent => ({ type: "message.created", roomId: room.id, messageId, by: "alice" });
  const sendOf = async (messageId: MessageId) => (await relay.operationsFor(created(messageId))).find((op): op is Extract<OutboxEntryInput, { op: "send" }> => op.op === "send")!;
  return { p, alice, room, relay, sendOf, created };
}

describe("the bridge relay's message operations", () => {
  it("sends a new message's images by URL after its text, from its sender, in its thread", async () => {
    const { p, alice, room, relay, created } = await world(2);
    const body = "look ![a cat](https://img.example/cat.png) https://img.example/dog.webp `https://img.example/code.png` ![third](https://img.example/3.gif)";
    const plain = await p.chat.send(alice, room.id, { body });
    const ops = await relay.operationsFor(created(plain.id));
    const ghost = "@mirage_alice:test.example";
    expect(ops.map((op) => op.op)).toEqual(["send", "sendImage", "sendImage"]);
    expect(ops.slice(1)).toEqual([
      { op: "sendImage", sender: ghost, room: { kind: "room", id: room.id }, url: "https://img.example/cat.png", body: "a cat" },
      { op: "sendImage", sender: ghost, room: { kind: "room", id: room.id }, url: "https://img.example/dog.webp", body: "dog.webp" },
    ]);
    const inThread = await p.chat.send(alice, room.id, { body: "![x](https://img.example/x.png)", threadId: plain.id });
    const threadOps = await relay.operationsFor(created(inThread.id));
    expect(threadOps[1]).toMatchObject({ op: "sendImage", relation: { type: "thread", root: { kind: "message", id: plain.id }, latest: { kind: "message", id: inThread.id } } });
    // An edit sends no images again.
    await p.chat.edit(alice, plain.id, `${body} edited`);
    const edited = await relay.operationsFor({ type: "message.edited", roomId: room.id, messageId: plain.id, by: "alice" });
    expect(edited.map((op) => op.op)).toEqual(["send"]);
  });

  it("falls a thread message back to the thread's latest message before it, and an in-thread reply to its parent", async () => {
    const { p, alice, room, sendOf } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const first = await p.chat.send(alice, room.id, { body: "first in thread", threadId: root.id });
    const main = await p.chat.send(alice, room.id, { body: "main timeline" });
    const second = await p.chat.send(alice, room.id, { body: "second in thread", threadId: root.id });
    const reply = await p.chat.send(alice, room.id, { body: "reply to first", threadId: root.id, parentId: first.id });

    expect((await sendOf(first.id)).relation).toEqual({ type: "thread", root: { kind: "message", id: root.id } });
    expect((await sendOf(second.id)).relation).toEqual({ type: "thread", root: { kind: "message", id: root.id }, latest: { kind: "message", id: first.id } });
    expect((await sendOf(reply.id)).relation).toEqual({ type: "thread", root: { kind: "message", id: root.id }, replyTo: { kind: "message", id: first.id } });
    expect((await sendOf(main.id)).relation).toBeUndefined();
  });

  it("skips deleted thread messages and looks back across pages", async () => {
    const { p, alice, room, sendOf } = await world();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const kept = await p.chat.send(alice, room.id, { body: "kept", threadId: root.id });
    const gone = await p.chat.send(alice, room.id, { body: "gone", threadId: root.id });
    await p.chat.delete(alice, gone.id);
    for (let i = 0; i < 120; i++) await p.chat.send(alice, room.id, { body: `noise ${i}` });
    const last = await p.chat.send(alice, room.id, { body: "last", threadId: root.id });
    expect((await sendOf(last.id)).relation).toEqual({ type: "thread", root: { kind: "message", id: root.id }, latest: { kind: "message", id: kept.id } });
  });

  it("keeps a message's kind and quotes a main-timeline reply's parent", async () => {
    const { p, alice, room, sendOf } = await world();
    const parent = await p.chat.send(alice, room.id, { body: "parent" });
    const emote = await p.chat.send(alice, room.id, { body: "waves", kind: "emote", parentId: parent.id });
    const op = await sendOf(emote.id);
    expect(op.content).toMatchObject({ msgtype: "m.emote", body: "waves" });
    expect(op.relation).toEqual({ type: "reply", to: { kind: "message", id: parent.id } });
  });

  it("pills the accounts and Matrix users a message mentions and lists them in m.mentions; @room only from the room's moderator", async () => {
    const { p, alice, room, sendOf } = await world();
    const carol = await p.person("carol");
    await p.chat.invite(alice, room.id, "carol");
    await p.chat.invite(carol, room.id, "carol");
    const message = await p.chat.send(alice, room.id, { body: "hi @carol and @bob:example.org, not @nobody, @room" });
    const op = await sendOf(message.id);
    expect(op.content).toMatchObject({ body: message.body, "m.mentions": { user_ids: ["@mirage_carol:test.example", "@bob:example.org"], room: true } });
    expect(op.content.formatted_body).toBe(
      '<p>hi <a href="https://matrix.to/#/@mirage_carol:test.example">@carol</a> and <a href="https://matrix.to/#/@bob:example.org">@bob:example.org</a>, not @nobody, @room</p>',
    );
    const fromCarol = await p.chat.send(carol, room.id, { body: "@room and @alice" });
    expect((await sendOf(fromCarol.id)).content["m.mentions"]).toEqual({ user_ids: ["@mirage_alice:test.example"] });
    const plain = await p.chat.send(alice, room.id, { body: "nobody mentioned" });
    expect((await sendOf(plain.id)).content["m.mentions"]).toEqual({});
  });
});
