import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MessagePageCache } from "../../src/api/MessagePageCache.js";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { BridgeRelay } from "../../src/bridge/BridgeRelay.js";
import { createLogger } from "../../src/log/createLogger.js";
import { DomainEventBus } from "../../src/platform/events/DomainEvent.js";
import { asMessageId, asReactionTargetId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { imageEventRef } from "../../src/platform/media/imageEventRef.js";
import { reactionRefId } from "../../src/platform/reactions/reactionRefId.js";
import { openLevelStore, storeOver, type Store } from "../../src/store/openStore.js";
import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { OutboxSender } from "../../src/matrix/OutboxSender.js";
import type { Outbox } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { FakeHomeserver } from "../support/fakeHomeserver.js";
import { Level } from "level";
import { StoreCompactor } from "../../src/store/StoreCompactor.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Disappearing messages on the platform: an expired message leaves no copy in the store, nor in its files. */

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openTemp(): Promise<{ store: Store; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "mirage-expiry-"));
  dirs.push(dir);
  return { store: await openLevelStore(dir), dir };
}

/** Which of `needles` some file under `dir` holds, as UTF-8 or UTF-16 bytes. */
async function filesHolding(dir: string, needles: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle, "utf8")) || bytes.includes(Buffer.from(needle, "utf16le"))) found.add(needle);
    }
  }
  return [...found];
}

const marker = () => `zq${randomBytes(12).toString("hex")}`;

async function roomWithMessages(store: Store) {
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const bob = await p.person("bob");
  const room = await p.chat.createRoom(alice, { name: "Talk", invite: ["bob"] });
  await p.chat.join(bob, room.id);
  return { p, alice, bob, room };
}

describe("expiring a message", () => {
  it("deletes the message, its reactions, index entries, mapping links and unsent sends, and journals message.expired with the Matrix events to redact", async () => {
    const { store } = await openTemp();
    const { p, alice, bob, room } = await roomWithMessages(store);
    const root = await p.chat.send(alice, room.id, { body: "root" });
    const first = await p.chat.send(bob, room.id, { body: "first reply", threadId: root.id });
    const doomed = await p.chat.send(bob, room.id, { body: `secret ${marker()}`, threadId: root.id, parentId: first.id });
    await p.reactions.add(alice, { kind: "message", id: asReactionTargetId(doomed.id) }, "👍");
    const reactionRef = { kind: "reaction" as const, id: reactionRefId({ kind: "message", id: asReactionTargetId(doomed.id) }, "alice", "👍") };
    await store.idMapping.link([
      { ref: { kind: "message", id: doomed.id }, roomId: "!portal:test.example", eventId: "$doomed", origin: "platform" },
      { ref: reactionRef, roomId: "!portal:test.example", eventId: "$thumb", origin: "platform" },
    ]);
    const room2 = { kind: "room" as const, id: room.id };
    await store.outbox.enqueue(
      [
        { op: "send", sender: "@mirage_bob:test.example", room: room2, eventType: "m.room.message", content: { body: "edited secret" }, relation: { type: "edit", target: { kind: "message", id: doomed.id } } },
        { op: "send", sender: "@mirage_alice:test.example", room: room2, eventType: "m.room.message", content: { body: "stays" }, ref: { kind: "message", id: root.id } },
      ],
      1,
    );

    expect(await p.chat.expire(asMessageId(doomed.id))).toBe(true);

    expect(await store.messages.get(asMessageId(doomed.id))).toBeUndefined();
    const thread = await p.chat.page(alice, room.id, { limit: 10, threadId: root.id });
    expect(thread.messages.map((m) => m.id)).toEqual([first.id, root.id]);
    expect(thread.messages.at(-1)?.threadSummary).toEqual({ count: 1, latestId: first.id });
    expect(await store.reactions.counts({ kind: "message", id: asReactionTargetId(doomed.id) })).toEqual({});
    expect(await store.reactions.keysBy({ kind: "message", id: asReactionTargetId(doomed.id) }, people.id(alice))).toEqual([]);
    expect(await store.idMapping.toMatrix({ kind: "message", id: doomed.id })).toBeUndefined();
    expect(await store.idMapping.byEvent("$doomed")).toBeUndefined();
    expect(await store.idMapping.byEvent("$thumb")).toBeUndefined();
    expect((await store.outbox.peek(10)).map((e) => e.op === "send" && e.content["body"])).toEqual(["stays"]);
    const last = (await store.journal.read(0, 1000)).at(-1)!;
    expect(last.event).toEqual({ type: "message.expired", roomId: room.id, messageId: doomed.id, by: "bob", matrixEventIds: ["$doomed", "$thumb"] });
    expect(last.audience).toEqual(expect.arrayContaining(["alice", "bob"]));
    expect(p.emitted.at(-1)?.event.type).toBe("message.expired");
    // Expiring again finds nothing and journals nothing.
    expect(await p.chat.expire(asMessageId(doomed.id))).toBe(false);
    expect((await store.journal.read(0, 1000)).at(-1)!.position).toBe(last.position);
    await store.close();
  });

  it("leaves no trace of its text in any file of the store directory once compacted (UTF-8 and UTF-16)", async () => {
    const { store, dir } = await openTemp();
    const { p, alice, bob, room } = await roomWithMessages(store);
    const [gone, kept] = [marker(), marker()];
    const doomed = await p.chat.send(bob, room.id, { body: `the code is ${gone}` });
    await p.chat.edit(bob, doomed.id, `the code is still ${gone}`);
    // A reaction's key is text people type: its journal entries go too.
    const reactionKey = marker().slice(0, 20);
    await p.reactions.add(alice, { kind: "message", id: asReactionTargetId(doomed.id) }, reactionKey);
    await p.chat.send(alice, room.id, { body: `keep ${kept}` });

    await p.chat.expire(asMessageId(doomed.id));
    await store.messagePurge.compact();
    await store.close();

    // The scan sees what is there: the message that did not expire is found.
    expect(await filesHolding(dir, [gone, reactionKey, kept])).toEqual([kept]);
  });

  it("takes the images sent after its text along: their events are redacted and an image not sent yet never is", async () => {
    const { store } = await openTemp();
    const { p, bob, room } = await roomWithMessages(store);
    const doomed = await p.chat.send(bob, room.id, { body: "look ![a](https://img.example/a.png) ![b](https://img.example/b.png)" });
    const owner = { kind: "message" as const, id: doomed.id };
    await store.idMapping.link([
      { ref: owner, roomId: "!portal:test.example", eventId: "$text", origin: "platform" },
      { ref: imageEventRef(owner, 0), roomId: "!portal:test.example", eventId: "$image", origin: "platform" },
    ]);
    const room2 = { kind: "room" as const, id: room.id };
    await store.outbox.enqueue([{ op: "sendImage", sender: "@mirage_bob:test.example", room: room2, url: "https://img.example/b.png", body: "b", ref: imageEventRef(owner, 1) }], 1);

    expect(await p.chat.expire(asMessageId(doomed.id))).toBe(true);

    const last = (await store.journal.read(0, 1000)).at(-1)!;
    expect(last.event).toMatchObject({ type: "message.expired", matrixEventIds: ["$text", "$image"] });
    expect(await store.idMapping.byEvent("$image")).toBeUndefined();
    expect(await store.outbox.peek(10)).toEqual([]);
    await store.close();
  });

  it("expires a message at the start of a fresh store process, after a restart, as well", async () => {
    const { store, dir } = await openTemp();
    const { p, bob, room } = await roomWithMessages(store);
    const gone = marker();
    const doomed = await p.chat.send(bob, room.id, { body: gone });
    await store.close();
    const reopened = await openLevelStore(dir);
    expect(await platformOverStore(reopened).chat.expire(asMessageId(doomed.id))).toBe(true);
    await reopened.messagePurge.compact();
    await reopened.close();
    expect(await filesHolding(dir, [gone])).toEqual([]);
  });

  it("is redacted in Matrix by the bot from the event IDs the journal entry names", async () => {
    const { store } = await openTemp();
    const { p, bob, room } = await roomWithMessages(store);
    const doomed = await p.chat.send(bob, room.id, { body: "soon gone" });
    await store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: "!portal:test.example", origin: "platform" }]);
    await store.idMapping.link([{ ref: { kind: "message", id: doomed.id }, roomId: "!portal:test.example", eventId: "$doomed", origin: "platform" }]);
    await p.chat.expire(asMessageId(doomed.id));
    const relay = new BridgeRelay({
      rooms: store.rooms,
      messages: store.messages,
      accounts: store.accounts,
      mapping: store.idMapping,
      outbox: store.outbox,
      renderer: { toWebHtml: async (md) => md, toMatrixHtml: async (md) => md },
      names: new BridgeNames("mirage_", "test.example"),
      portal: { botUserId: "@mirage:test.example", encrypt: false },
      logger: createLogger("silent"),
      onQueued: () => undefined,
    });
    const entry = (await store.journal.read(0, 1000)).at(-1)!;
    expect(await relay.operationsFor(entry.event)).toEqual([
      { op: "redact", sender: "@mirage:test.example", room: { kind: "room", id: room.id }, target: { eventId: "$doomed" }, reason: "disappearing message expired" },
    ]);
    await store.close();
  });

  it("a send purged while it was being carried out is redacted by its sender once it lands, and leaves no link", async () => {
    const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
    const hs = new FakeHomeserver("@mirage:t");
    const roomId = hs.addRoom(["@mirage_alice:t"]);
    await store.outbox.enqueue([{ op: "send", sender: "@mirage_alice:t", roomId, eventType: "m.room.message", content: { body: "x" }, ref: { kind: "message", id: "m_1" } }], 0);
    // The purge (here: the entry's removal, which is what it does to it) lands between the homeserver's answer and the completion.
    const outbox: Outbox = Object.create(store.outbox);
    outbox.complete = async (id, links) => {
      await store.outbox.remove(id);
      return store.outbox.complete(id, links);
    };
    const sender = new OutboxSender(outbox, hs.appservice(), createLogger("silent"), createAppserviceMetrics(new Registry()), {
      budget: { maxAttempts: 3, maxAgeMs: 60_000, initialDelayMs: 1000, maxDelayMs: 8000 },
      mapping: store.idMapping,
      wake: () => undefined,
      now: () => 0,
      random: () => 0.5,
    });
    await sender.drain();
    await sender.drain();
    sender.stop();
    const sent = hs.events.find((e) => e.type === "m.room.message")!;
    expect(hs.events.find((e) => e.type === "m.room.redaction")).toMatchObject({ sender: "@mirage_alice:t", redacts: sent.eventId });
    expect(await store.idMapping.toMatrix({ kind: "message", id: "m_1" })).toBeUndefined();
    expect(await store.outbox.size()).toBe(0);
  });

  it("compacts once more after a purge, for copies that passed through the store after it (an echo of a send)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mirage-expiry-"));
    dirs.push(dir);
    const db = new Level<string, unknown>(dir, { valueEncoding: "json", compression: false });
    await db.open();
    const compactor = new StoreCompactor(db as unknown as RootLevel, 50);
    await compactor.compactAndSettle();
    // Arrives after the purge's compaction: written, handled and deleted, as an inbox transaction is.
    const late = marker();
    await db.put("!inbox!late", { body: late });
    await db.del("!inbox!late");
    await expect.poll(() => filesHolding(dir, [late]), { timeout: 20_000, interval: 100 }).toEqual([]);
    await db.close();
  });

  it("drops the room's cached pages at once, not only when they are asked for again", () => {
    const bus = new DomainEventBus();
    const cache = new MessagePageCache(bus);
    const key = { roomId: "r_1", reader: "alice", limit: 20, before: undefined };
    cache.put(key, cache.version("r_1"), "secret page");
    cache.put({ ...key, roomId: "r_2" }, cache.version("r_2"), "other page");
    bus.emit({ type: "message.expired", roomId: "r_1", messageId: "m_1", by: "bob", matrixEventIds: [] }, ["alice"]);
    expect(cache.size).toBe(1);
  });
});
