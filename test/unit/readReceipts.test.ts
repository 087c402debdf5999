import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { readReceiptsOf, RECEIPTS_PER_EVENT_MAX } from "../../src/bridge/convert/readReceiptsOf.js";
import { ReadReceiptImporter } from "../../src/bridge/ReadReceiptImporter.js";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { BOT, bridgeWorld, ghostOf, ops } from "../support/bridgeWorld.js";
import { FakeHomeserver } from "../support/fakeHomeserver.js";

/* Read receipts both ways: Matrix members' m.read receipts move their markers; web accounts' markers become their ghosts' receipts, coalesced. */

const ROOM = "!portal:test.example";
const receipt = (content: unknown, roomId: unknown = ROOM) => ({ type: "m.receipt", room_id: roomId, content });

describe("readReceiptsOf: public receipts from whatever the homeserver pushes", () => {
  it("takes m.read receipts, threaded ones too, and leaves private receipts out", () => {
    const event = receipt({
      $a: { "m.read": { "@bob:x": { ts: 1 }, "@carol:x": { ts: 2, thread_id: "$root" } }, "m.read.private": { "@dan:x": { ts: 3 } } },
      $b: { "m.read": { "@erin:x": {} } },
    });
    expect(readReceiptsOf(event)).toEqual([
      { roomId: ROOM, eventId: "$a", userId: "@bob:x" },
      { roomId: ROOM, eventId: "$a", userId: "@carol:x" },
      { roomId: ROOM, eventId: "$b", userId: "@erin:x" },
    ]);
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "m.receipt"],
    ["an array", [receipt({ $a: { "m.read": { "@bob:x": {} } } })]],
    ["another type", { type: "m.typing", room_id: ROOM, content: { user_ids: ["@bob:x"] } }],
    ["no room", { type: "m.receipt", content: { $a: { "m.read": { "@bob:x": {} } } } }],
    ["a room that is not a room ID", receipt({ $a: { "m.read": { "@bob:x": {} } } }, "#alias:x")],
    ["a room ID that is a number", receipt({ $a: { "m.read": { "@bob:x": {} } } }, 42)],
    ["content that is an array", receipt([{ "m.read": { "@bob:x": {} } }])],
    ["content that is a string", receipt("$a")],
    ["an event key that is not an event ID", receipt({ "not-an-event": { "m.read": { "@bob:x": {} } } })],
    ["an event key with whitespace", receipt({ "$a b": { "m.read": { "@bob:x": {} } } })],
    ["an over-long event ID", receipt({ [`$${"a".repeat(300)}`]: { "m.read": { "@bob:x": {} } } })],
    ["receipts that are null", receipt({ $a: null })],
    ["m.read that is an array", receipt({ $a: { "m.read": ["@bob:x"] } })],
    ["m.read that is a string", receipt({ $a: { "m.read": "@bob:x" } })],
    ["a user that is not a user ID", receipt({ $a: { "m.read": { bob: {} } } })],
    ["a user ID without a server", receipt({ $a: { "m.read": { "@bob": {} } } })],
  ])("gives none for %s", (_what, event) => {
    expect(readReceiptsOf(event)).toEqual([]);
  });

  it(`takes at most ${RECEIPTS_PER_EVENT_MAX} from one event`, () => {
    const users = Object.fromEntries(Array.from({ length: RECEIPTS_PER_EVENT_MAX + 50 }, (_, i) => [`@u${i}:x`, { ts: i }]));
    expect(readReceiptsOf(receipt({ $a: { "m.read": users } }))).toHaveLength(RECEIPTS_PER_EVENT_MAX);
  });
});

async function importWorld() {
  const w = bridgeWorld();
  const alice = await w.p.person("alice");
  const bob = people.matrix("@bob:elsewhere" as MatrixUserId);
  const room = await w.p.chat.createRoom(alice, { name: "portal" });
  await w.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: ROOM, origin: "platform" }]);
  await w.p.chat.invite(alice, room.id, "@bob:elsewhere");
  await w.p.chat.join(bob, room.id);
  const sent = [await w.p.chat.send(alice, room.id, { body: "one" }), await w.p.chat.send(alice, room.id, { body: "two" })];
  await w.store.idMapping.link(sent.map((m, i) => ({ ref: { kind: "message" as const, id: m.id }, roomId: ROOM, eventId: `$e${i}`, origin: "platform" as const })));
  const importer = new ReadReceiptImporter({
    chat: w.p.chat,
    mapping: w.store.idMapping,
    isOwnUser: (userId) => userId === BOT || userId.startsWith("@mirage_"),
    logger: createLogger("silent"),
  });
  await w.relayAll();
  return { ...w, alice, bob, room, sent, importer };
}

describe("ReadReceiptImporter: Matrix members' receipts move their markers", () => {
  it("marks the Matrix person's marker with a Matrix origin that links nothing, so the relay sends nothing back", async () => {
    const w = await importWorld();
    const head = await w.store.journal.head();
    w.importer.observe(receipt({ $e0: { "m.read": { "@bob:elsewhere": { ts: 1, thread_id: "main" } } } }));
    await w.importer.idle();
    expect((await w.p.chat.readMarkers(w.room.id)).get(people.id(w.bob))).toBe(w.sent[0]!.id);
    const [entry] = await w.store.journal.read(head, 10);
    expect(entry).toMatchObject({ event: { type: "room.read", member: "@bob:elsewhere", messageId: w.sent[0]!.id }, origin: { roomId: ROOM, eventId: "$e0", ephemeral: true } });
    // The event still stands for its message in the mapping.
    expect(await w.store.idMapping.byEvent("$e0")).toMatchObject({ ref: { kind: "message", id: w.sent[0]!.id } });
    expect(await w.relayAll()).toEqual([]);
  });

  it("skips Mirage's own users, unknown rooms and events, events of another room, strangers, and goes on after each", async () => {
    const w = await importWorld();
    const carol = await w.p.person("carol");
    await w.p.chat.invite(w.alice, w.room.id, "carol");
    await w.p.chat.join(carol, w.room.id);
    const head = await w.store.journal.head();
    await w.store.idMapping.link([{ ref: { kind: "reaction", id: "x" }, roomId: ROOM, eventId: "$reaction", origin: "matrix" }]);
    await w.store.idMapping.link([{ ref: { kind: "message", id: "m_other" }, roomId: "!other:x", eventId: "$elsewhere", origin: "platform" }]);
    // A ghost's receipt is the echo of its account's own marker: never imported as a move of it.
    w.importer.observe(receipt({ $e1: { "m.read": { [ghostOf("carol")]: {}, [BOT]: {}, "@stranger:elsewhere": {} } } }));
    w.importer.observe(receipt({ $e1: { "m.read": { "@bob:elsewhere": {} } } }, "!unknown:x"));
    w.importer.observe(receipt({ $unknown: { "m.read": { "@bob:elsewhere": {} } }, $reaction: { "m.read": { "@bob:elsewhere": {} } }, $elsewhere: { "m.read": { "@bob:elsewhere": {} } } }));
    w.importer.observe({ type: "m.receipt", room_id: ROOM, content: { $e0: { "m.read": 7 } } });
    w.importer.observe({ type: "m.typing", room_id: ROOM, content: {} });
    w.importer.observe(receipt({ $e1: { "m.read": { "@bob:elsewhere": {} } } }));
    await w.importer.idle();
    expect((await w.store.journal.read(head, 10)).map((e) => [e.event.type, (e.event as { member?: string }).member])).toEqual([["room.read", "@bob:elsewhere"]]);
    expect((await w.p.chat.readMarkers(w.room.id)).get(people.id(w.bob))).toBe(w.sent[1]!.id);
    expect((await w.p.chat.readMarkers(w.room.id)).has(people.id(carol))).toBe(false);
  });

  it("an older receipt after a newer one changes nothing", async () => {
    const w = await importWorld();
    w.importer.observe(receipt({ $e1: { "m.read": { "@bob:elsewhere": {} } } }));
    w.importer.observe(receipt({ $e0: { "m.read": { "@bob:elsewhere": {} } } }));
    await w.importer.idle();
    expect((await w.p.chat.readMarkers(w.room.id)).get(people.id(w.bob))).toBe(w.sent[1]!.id);
    expect(w.p.emitted.filter((e) => e.event.type === "room.read")).toHaveLength(1);
  });
});

describe("BridgeRelay: an account's read marker is its ghost's receipt", () => {
  it("queues a receipt from the reader's ghost on the message; a Matrix person's marker queues nothing", async () => {
    const w = await importWorld();
    const carol = await w.p.person("carol");
    await w.p.chat.invite(w.alice, w.room.id, "carol");
    await w.p.chat.join(carol, w.room.id);
    await w.relayAll();
    await w.p.chat.markRead(carol, w.room.id, w.sent[0]!.id);
    await w.p.chat.markRead(w.bob, w.room.id, w.sent[0]!.id);
    expect(ops(await w.relayAll())).toEqual([{ op: "receipt", sender: ghostOf("carol"), room: { kind: "room", id: w.room.id }, target: { kind: "message", id: w.sent[0]!.id } }]);
  });
});

describe("receipts in the outbox: coalesced per ghost and room, sent on the message's event", () => {
  function setup() {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    const hs = new FakeHomeserver(BOT);
    const sender = new OutboxSender(store.outbox, hs.appservice(), createLogger("silent"), createAppserviceMetrics(new Registry()), {
      budget: { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 1000, maxDelayMs: 8000 },
      mapping: store.idMapping,
      wake: () => undefined,
    });
    const roomId = hs.addRoom([BOT, ghostOf("carol"), ghostOf("dan")]);
    const room = { kind: "room" as const, id: "r1" };
    const read = (who: string, message: string): OutboxEntryInput => ({ op: "receipt", sender: ghostOf(who), room, target: { kind: "message", id: message } });
    const say = (message: string): OutboxEntryInput => ({ op: "send", sender: BOT, room, eventType: "m.room.message", content: { msgtype: "m.text", body: message }, ref: { kind: "message", id: message } });
    return { store, hs, sender, roomId, room, read, say };
  }

  it("a burst of one ghost's markers sends one receipt, on the newest, after the messages before it; another ghost's is its own", async () => {
    const s = setup();
    await s.store.idMapping.link([{ ref: s.room, roomId: s.roomId, origin: "platform" }]);
    await s.store.outbox.enqueue([s.say("m1"), s.read("carol", "m1"), s.say("m2"), s.read("dan", "m1")], 0);
    await s.store.outbox.enqueue([s.read("carol", "m2")], 0);
    await s.store.outbox.enqueue([s.say("m3"), s.read("carol", "m3"), s.read("carol", "m2")], 0);
    expect((await s.store.outbox.peek(100)).filter((e) => e.op === "receipt").map((e) => [e.sender, (e as { target: { id: string } }).target.id])).toEqual([
      [ghostOf("dan"), "m1"],
      [ghostOf("carol"), "m2"],
    ]);
    await s.sender.drain();
    const eventOf = (body: string) => s.hs.events.find((e) => e.content.body === body)!.eventId;
    expect(s.hs.receipts).toEqual([
      { roomId: s.roomId, sender: ghostOf("dan"), eventId: eventOf("m1") },
      { roomId: s.roomId, sender: ghostOf("carol"), eventId: eventOf("m2") },
    ]);
    expect(await s.store.outbox.size()).toBe(0);
  });

  it("a receipt being sent goes out; a newer one queued meanwhile follows it", async () => {
    const s = setup();
    await s.store.idMapping.link([
      { ref: s.room, roomId: s.roomId, origin: "platform" },
      { ref: { kind: "message", id: "m1" }, roomId: s.roomId, eventId: "$m1", origin: "matrix" },
      { ref: { kind: "message", id: "m2" }, roomId: s.roomId, eventId: "$m2", origin: "matrix" },
    ]);
    s.hs.events.push({ eventId: "$m1", roomId: s.roomId, sender: "@x:y", type: "m.room.message", content: {} }, { eventId: "$m2", roomId: s.roomId, sender: "@x:y", type: "m.room.message", content: {} });
    await s.store.outbox.enqueue([s.read("carol", "m1")], 0);
    const [inFlight] = await s.store.outbox.peek(1);
    await s.store.outbox.enqueue([s.read("carol", "m2")], 0);
    // The first one's send completes after the second was queued: the second stays.
    expect(await s.store.outbox.complete(inFlight!.id, [])).toBe(true);
    expect(ops(await s.store.outbox.peek(10))).toEqual([s.read("carol", "m2")]);
    await s.sender.drain();
    expect(s.hs.receipts.map((r) => r.eventId)).toEqual(["$m2"]);
  });

  it("a receipt on a message that never reached Matrix is skipped, not failed", async () => {
    const s = setup();
    await s.store.idMapping.link([{ ref: s.room, roomId: s.roomId, origin: "platform" }]);
    await s.store.outbox.enqueue([s.read("carol", "gone")], 0);
    await s.sender.drain();
    expect(s.hs.receipts).toEqual([]);
    expect(await s.store.outbox.size()).toBe(0);
    expect(await s.store.deadLetters.count()).toBe(0);
  });
});

describe("a read marker survives its message's expiry", () => {
  it("a queued receipt on an expired message goes with it", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const carol = await w.p.person("carol");
    const room = await w.p.chat.createRoom(alice, { name: "r", invite: ["carol"] });
    await w.p.chat.join(carol, room.id);
    const m = await w.p.chat.send(alice, room.id, { body: "soon gone" });
    await w.relayAll();
    await w.sendAll();
    await w.p.chat.markRead(carol, room.id, m.id);
    expect((await w.relayAll()).map((e) => e.op)).toEqual(["receipt"]);
    await w.p.chat.expire(m.id);
    expect((await w.store.outbox.peek(10)).filter((e) => e.op === "receipt")).toEqual([]);
    expect((await w.p.chat.activity(carol, room.id)).readUpTo).toBe(m.id);
  });
});
