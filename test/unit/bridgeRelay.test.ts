import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { BridgeRelay } from "../../src/bridge/BridgeRelay.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { OutboxEntry } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Platform → Matrix: what the relay queues for each journal entry. */

const BOT = "@mirage:test.example";

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const renderer = { toWebHtml: async (md: string) => md, toMatrixHtml: async (md: string) => `<p>${md}</p>` };
  const relay = new BridgeRelay({
    rooms: store.rooms,
    messages: store.messages,
    accounts: store.accounts,
    mapping: store.idMapping,
    outbox: store.outbox,
    renderer,
    names: new BridgeNames("mirage_", "test.example"),
    portal: { botUserId: BOT, encrypt: false },
    logger: createLogger("silent"),
    onQueued: () => undefined,
  });
  let cursor = 0;
  /** Relays every entry committed since the last call; resolves the operations queued. */
  const relayNew = async (): Promise<OutboxEntry[]> => {
    const before = await store.outbox.peek(10_000);
    const entries = await store.journal.read(cursor, 1000);
    for (const entry of entries) await relay.handle(entry);
    cursor = entries.at(-1)?.position ?? cursor;
    const after = await store.outbox.peek(10_000);
    return after.slice(before.length);
  };
  return { store, p, relay, relayNew };
}

describe("BridgeRelay", () => {
  it("creates a group room's portal first, with its alias, bridge info and the creator as admin, then brings the creator's ghost in", async () => {
    const { p, relayNew } = await world();
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk", invite: ["@bob:elsewhere"] });
    // The ghost's profile goes first (it first appears in Matrix here).
    const [profile, ...ops] = await relayNew();
    expect(profile).toMatchObject({ op: "profile", sender: "@mirage_alice:test.example", displayName: "alice" });
    const create = ops[0]!;
    expect(create).toMatchObject({ op: "createRoom", sender: BOT, room: { kind: "room", id: room.id }, alias: `mirage_${room.id}`, name: "Talk", preset: "private_chat" });
    expect(create.op === "createRoom" && create.invite).toEqual(["@mirage_alice:test.example"]);
    // The Matrix invitee is invited by the inviter's ghost once it has joined.
    expect(ops).toContainEqual(expect.objectContaining({ op: "membership", action: "invite", sender: "@mirage_alice:test.example", userId: "@bob:elsewhere" }));
    expect(create.op === "createRoom" && create.powerLevels).toEqual({ users: { "@mirage_alice:test.example": 100 } });
    expect(create.op === "createRoom" && create.initialState?.map((s) => s.type)).toEqual(["m.bridge", "uk.half-shot.bridge"]);
    expect(ops).toContainEqual(expect.objectContaining({ op: "membership", action: "join", sender: "@mirage_alice:test.example", room: { kind: "room", id: room.id } }));
  });

  it("sends messages from the sender's ghost with the message as reference, replies and threads by reference, edits, reactions and deletions", async () => {
    const { p, relayNew } = await world();
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk" });
    await relayNew();
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const reply = await p.chat.send(alice, room.id, { body: "quote", parentId: root.id });
    const inThread = await p.chat.send(alice, room.id, { body: "in thread", threadId: root.id });
    await p.chat.edit(alice, root.id, "root!");
    await p.reactions.add(alice, { kind: "message", id: reply.id }, "👍");
    await p.reactions.remove(alice, { kind: "message", id: reply.id }, "👍");
    // Relayed after the edit: a message goes out as it is then (its edit follows, the same text).
    const ops = await relayNew();
    await p.chat.delete(alice, inThread.id);
    ops.push(...(await relayNew()));
    const ghost = "@mirage_alice:test.example";
    const at = { kind: "room", id: room.id };
    expect(ops).toEqual([
      expect.objectContaining({ op: "send", sender: ghost, room: at, ref: { kind: "message", id: root.id }, content: expect.objectContaining({ msgtype: "m.text", body: "root!", formatted_body: "<p>root!</p>" }) }),
      expect.objectContaining({ op: "send", ref: { kind: "message", id: reply.id }, relation: { type: "reply", to: { kind: "message", id: root.id } } }),
      expect.objectContaining({ op: "send", ref: { kind: "message", id: inThread.id }, relation: { type: "thread", root: { kind: "message", id: root.id } } }),
      expect.objectContaining({ op: "send", relation: { type: "edit", target: { kind: "message", id: root.id } }, content: expect.objectContaining({ body: "root!" }) }),
      expect.objectContaining({ op: "send", eventType: "m.reaction", relation: { type: "reaction", target: { kind: "message", id: reply.id }, key: "👍" } }),
      expect.objectContaining({ op: "redact", sender: ghost, target: { kind: "reaction", id: `message:${reply.id}|alice|👍` } }),
      expect.objectContaining({ op: "redact", sender: ghost, target: { kind: "message", id: inThread.id } }),
    ]);
  });

  it("never sends a message deleted before it was relayed", async () => {
    const { p, relayNew } = await world();
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk" });
    await relayNew();
    const gone = await p.chat.send(alice, room.id, { body: "secret" });
    await p.chat.delete(alice, gone.id);
    const ops = await relayNew();
    expect(ops.map((op) => op.op)).toEqual(["redact"]);
    expect(JSON.stringify(ops)).not.toContain("secret");
  });

  it("never sends back what came from Matrix", async () => {
    const { p, relayNew } = await world();
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk" });
    await p.chat.invite(alice, room.id, "@bob:elsewhere");
    await relayNew();
    const bob = people.matrix("@bob:elsewhere" as MatrixUserId);
    await p.chat.invite(bob, room.id, "@bob:elsewhere", { origin: { roomId: "!portal:test.example", eventId: "$join" } });
    const sent = await p.chat.send(bob, room.id, { body: "from Matrix" }, { origin: { roomId: "!portal:test.example", eventId: "$m1" } });
    await p.reactions.add(bob, { kind: "message", id: sent.id }, "🎉", { origin: { roomId: "!portal:test.example", eventId: "$r1" } });
    expect(await relayNew()).toEqual([]);
  });

  it("queues an entry's operations once, even when it is handled again after a crash", async () => {
    const { p, store, relay } = await world();
    const alice = await p.person("alice");
    const room = await p.chat.createRoom(alice, { name: "Talk" });
    await p.chat.send(alice, room.id, { body: "once" });
    const entries = await store.journal.read(0, 100);
    for (const entry of entries) await relay.handle(entry);
    const size = await store.outbox.size();
    for (const entry of entries) await relay.handle(entry);
    expect(await store.outbox.size()).toBe(size);
  });
});
