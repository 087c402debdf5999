import { MemoryLevel } from "memory-level";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { createAppserviceMetrics } from "../../src/matrix/appserviceMetrics.js";
import { OutboxSender, type OutboxSenderOptions } from "../../src/matrix/OutboxSender.js";
import { RoomEncryptionCache } from "../../src/matrix/RoomEncryptionCache.js";
import type { OutboxEntryInput } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { FakeHomeserver, type FakeRequest } from "../support/fakeHomeserver.js";

const BOT = "@mirage:t";
const ALICE = "@mirage_alice:t";
const BOB = "@bob:elsewhere";
const senders: OutboxSender[] = [];
afterEach(() => {
  for (const s of senders.splice(0)) s.stop();
});

type Options = Partial<Pick<OutboxSenderOptions, "homeserverUsable" | "onPermanentFailure" | "encryption">> & { maxAttempts?: number };

/** An outbox sender over a memory store and a fake homeserver; `restart()` makes a new sender over the same store and homeserver. */
function setup(options: Options = {}) {
  const db = new MemoryLevel<string, unknown>() as unknown as RootLevel;
  const store = storeOver(db);
  const hs = new FakeHomeserver(BOT);
  const now = { t: 0 };
  const metrics = createAppserviceMetrics(new Registry());
  const make = (over: Store = store) => {
    const sender = new OutboxSender(over.outbox, hs.appservice(), createLogger("silent"), metrics, {
      budget: { maxAttempts: options.maxAttempts ?? 3, maxAgeMs: 60_000, initialDelayMs: 1000, maxDelayMs: 8000 },
      mapping: over.idMapping,
      wake: () => undefined,
      now: () => now.t,
      random: () => 0.5,
      ...(options.homeserverUsable ? { homeserverUsable: options.homeserverUsable } : {}),
      ...(options.onPermanentFailure ? { onPermanentFailure: options.onPermanentFailure } : {}),
      ...(options.encryption ? { encryption: options.encryption } : {}),
    });
    senders.push(sender);
    return sender;
  };
  const sender = make();
  const queue = (...ops: OutboxEntryInput[]) => store.outbox.enqueue(ops, 0);
  const message = (roomId: string, body: string): OutboxEntryInput => ({ op: "send", sender: BOT, roomId, eventType: "m.room.message", content: { body } });
  const bodies = () => hs.events.filter((e) => e.type === "m.room.message").map((e) => e.content.body);
  return { db, store, hs, now, sender, metrics, queue, message, bodies, restart: () => make(storeOver(db)) };
}

const bad502 = () => Object.assign(new Error("Bad gateway"), { statusCode: 502, errcode: "M_UNKNOWN" });
const sendsTo = (roomId: string) => (r: FakeRequest) => r.method === "PUT" && r.path.includes(`/rooms/${encodeURIComponent(roomId)}/send/`);
const portal = (id: string) => ({ kind: "room" as const, id });
const msg = (id: string) => ({ kind: "message" as const, id });
const createPortal = (id: string, extra: Record<string, unknown> = {}): OutboxEntryInput => ({
  op: "createRoom",
  sender: ALICE,
  room: portal(id),
  alias: `mirage_${id}`,
  ...extra,
});
const inPortal = (id: string, ref: string, body: string, extra: Record<string, unknown> = {}): OutboxEntryInput =>
  ({ op: "send", sender: ALICE, room: portal(id), eventType: "m.room.message", content: { msgtype: "m.text", body }, ref: msg(ref), ...extra }) as OutboxEntryInput;

describe("OutboxSender: order, retry and dead letters", () => {
  it("a room whose sends keep failing holds only its own later sends; other rooms' sends go out", async () => {
    const { store, hs, sender, queue, message, bodies } = setup();
    const bad = hs.addRoom([BOT]);
    const ok = hs.addRoom([BOT]);
    hs.failWith = (r) => (sendsTo(bad)(r) ? bad502() : undefined);
    await queue(message(bad, "b1"), message(bad, "b2"), message(ok, "o1"), message(bad, "b3"), message(ok, "o2"));
    await sender.drain();
    expect(bodies()).toEqual(["o1", "o2"]);
    expect((await store.outbox.peek(10)).map((e) => ["content" in e ? e.content.body : undefined, e.attempts])).toEqual([
      ["b1", 1],
      ["b2", 0],
      ["b3", 0],
    ]);
  });

  it("retries after the backoff, then dead-letters after the budget and the room goes on in order", async () => {
    const { store, hs, now, sender, queue, message, bodies, metrics } = setup();
    const room = hs.addRoom([BOT]);
    hs.failWith = (r) => (r.body?.body === "b1" ? bad502() : undefined);
    await queue(message(room, "b1"), message(room, "b2"));
    await sender.drain();
    expect((await store.outbox.peek(1))[0]).toMatchObject({ attempts: 1, notBefore: 1000 });
    await sender.drain();
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(1);
    now.t = 1000;
    await sender.drain();
    expect((await store.outbox.peek(1))[0]).toMatchObject({ attempts: 2, notBefore: 3000 });
    expect(bodies()).toEqual([]);
    now.t = 3000;
    await sender.drain();
    expect(bodies()).toEqual(["b2"]);
    expect(await store.outbox.size()).toBe(0);
    expect(await store.deadLetters.list(5)).toEqual([
      expect.objectContaining({ source: "outbox", roomId: room, attempts: 3, firstFailureAt: 0, lastFailureAt: 3000, error: "502 M_UNKNOWN" }),
    ]);
    expect((await metrics.deadLettered.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { source: "outbox" } })]);
    expect((await metrics.outboxFailed.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { reason: "budget" } })]);
  });

  it("an unreachable homeserver stops the drain without spending any send's budget", async () => {
    const { store, hs, sender, queue, message } = setup();
    hs.failWith = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await queue(message(hs.addRoom([BOT]), "a1"), message(hs.addRoom([BOT]), "b1"));
    for (let i = 0; i < 5; i++) await expect(sender.drain()).rejects.toThrow(/ECONNREFUSED/);
    expect((await store.outbox.peek(10)).map((e) => e.attempts)).toEqual([0, 0]);
    expect(await store.deadLetters.count()).toBe(0);
  });

  it("tries nothing (and spends no budget) while the homeserver is known to be unusable", async () => {
    let usable = false;
    const { store, hs, sender, queue, message, bodies } = setup({ homeserverUsable: () => usable });
    hs.failWith = () => bad502();
    await queue(message(hs.addRoom([BOT]), "a1"));
    await sender.drain();
    expect(bodies()).toEqual([]);
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(0);
    usable = true;
    await sender.drain();
    expect((await store.outbox.peek(1))[0]!.attempts).toBe(1);
  });

  it("dead-letters a send the homeserver refuses for good (4xx), counts and reports it, and goes on", async () => {
    const reports: unknown[] = [];
    const { store, hs, sender, queue, message, bodies, metrics } = setup({ onPermanentFailure: (entry, failure) => void reports.push([entry.id, failure]) });
    const gone = hs.addRoom([]);
    const ok = hs.addRoom([BOT]);
    await queue(message(gone, "g1"), message(ok, "o1"));
    await sender.drain();
    expect(bodies()).toEqual(["o1"]);
    expect(await store.outbox.size()).toBe(0);
    expect(await store.deadLetters.list(5)).toEqual([expect.objectContaining({ roomId: gone, attempts: 1, error: "403 M_FORBIDDEN" })]);
    expect(reports).toEqual([[expect.any(String), { at: 0, error: "403 M_FORBIDDEN", reason: "refused" }]]);
    expect((await metrics.outboxFailed.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { reason: "refused" } })]);
    await sender.drain();
    expect(reports).toHaveLength(1);
  });
});

describe("OutboxSender: permanent failure reports", () => {
  it("reports each failed entry once; a report whose hook threw, or cut short by a restart, is made on a later drain", async () => {
    const reports: string[] = [];
    let hookFails = true;
    const onPermanentFailure = (entry: { id: string }) => {
      if (hookFails) throw new Error("platform store busy");
      reports.push(entry.id);
    };
    const { store, hs, sender, queue, message, restart } = setup({ onPermanentFailure });
    const gone = hs.addRoom([]);
    await queue(message(gone, "g1"), message(gone, "g2"));
    await sender.drain();
    expect(reports).toEqual([]);
    expect(await store.outbox.pendingFailures(10)).toHaveLength(2);
    hookFails = false;
    // A new process over the same store reports what the old one could not.
    const again = restart();
    await again.drain();
    expect(reports).toHaveLength(2);
    await again.drain();
    await restart().drain();
    expect(reports).toHaveLength(2);
    expect(new Set(reports).size).toBe(2);
  });
});

describe("OutboxSender: operations", () => {
  it("creates a portal with alias, state, is_direct, power levels and invites, maps it, and sends queued messages into it in order", async () => {
    const { store, hs, sender, queue } = setup();
    await queue(
      createPortal("r1", {
        name: "General",
        isDirect: true,
        invite: [BOB],
        initialState: [{ type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" } }],
        powerLevels: { users: { [ALICE]: 100 } },
      }),
      inPortal("r1", "m1", "first"),
      inPortal("r1", "m2", "second"),
    );
    await sender.drain();
    const roomId = hs.aliases.get("#mirage_r1:t")!;
    expect(hs.rooms.get(roomId)!.createBody).toEqual({
      room_alias_name: "mirage_r1",
      name: "General",
      is_direct: true,
      invite: [BOB],
      initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "invite" } }],
      power_level_content_override: { users: { [ALICE]: 100 } },
    });
    expect(hs.rooms.get(roomId)!.members.get(BOB)).toBe("invite");
    expect(await store.idMapping.toMatrix(portal("r1"))).toEqual({ roomId });
    expect(await store.idMapping.byRoom(roomId)).toEqual(portal("r1"));
    const events = hs.eventsIn(roomId);
    expect(events.map((e) => e.content.body)).toEqual(["first", "second"]);
    expect(await store.idMapping.toMatrix(msg("m2"))).toEqual({ roomId, eventId: events[1]!.eventId });
    expect(await store.idMapping.byEvent(events[0]!.eventId)).toEqual({ ref: msg("m1"), roomId, eventId: events[0]!.eventId, origin: "platform" });
  });

  it("sends addressed by platform room wait behind their portal's creation while it is retried; other portals go on", async () => {
    const { hs, now, sender, queue, bodies } = setup();
    hs.failWith = (r) => (r.path.endsWith("/createRoom") && r.body?.room_alias_name === "mirage_slow" ? bad502() : undefined);
    await queue(createPortal("slow"), inPortal("slow", "s1", "s1"), createPortal("fast"), inPortal("fast", "f1", "f1"), inPortal("slow", "s2", "s2"));
    await sender.drain();
    expect(bodies()).toEqual(["f1"]);
    hs.failWith = () => undefined;
    now.t = 1000;
    await sender.drain();
    expect(bodies()).toEqual(["f1", "s1", "s2"]);
    expect(hs.eventsIn(hs.aliases.get("#mirage_slow:t")!).map((e) => e.content.body)).toEqual(["s1", "s2"]);
  });

  it("keeps one lane per portal whether entries name it by platform room or by its Matrix room", async () => {
    const { store, hs, sender, queue, message, bodies } = setup();
    await queue(createPortal("r1"), inPortal("r1", "m1", "one"));
    await sender.drain();
    const roomId = (await store.idMapping.toMatrix(portal("r1")))!.roomId;
    hs.failWith = (r) => (r.body?.body === "two" ? bad502() : undefined);
    await queue(inPortal("r1", "m2", "two"), { ...message(roomId, "three"), sender: ALICE });
    await sender.drain();
    expect(bodies()).toEqual(["one"]);
  });

  it("resolves reply, thread, edit and reaction targets from the mapping into the exact Matrix shapes", async () => {
    const { store, hs, sender, queue } = setup();
    await queue(
      createPortal("r1"),
      inPortal("r1", "root", "root"),
      inPortal("r1", "reply", "a reply", { relation: { type: "reply", to: msg("root") } }),
      inPortal("r1", "t1", "in thread", { relation: { type: "thread", root: msg("root") } }),
      inPortal("r1", "t2", "next in thread", { relation: { type: "thread", root: msg("root"), latest: msg("t1") } }),
      inPortal("r1", "t3", "answer to t1", { relation: { type: "thread", root: msg("root"), latest: msg("t2"), replyTo: msg("t1") } }),
    );
    await queue(
      { op: "send", sender: ALICE, room: portal("r1"), eventType: "m.room.message", content: { msgtype: "m.text", body: "new", "m.relates_to": { junk: 1 } }, relation: { type: "edit", target: msg("t1") } },
      { op: "send", sender: ALICE, room: portal("r1"), eventType: "m.reaction", content: {}, ref: { kind: "reaction", id: "x1" }, relation: { type: "reaction", target: msg("root"), key: "👍" } },
    );
    await sender.drain();
    const id = async (ref: string) => (await store.idMapping.toMatrix(msg(ref)))!.eventId!;
    const [root, t1, t2] = [await id("root"), await id("t1"), await id("t2")];
    const contents = hs.events.map((e) => e.content);
    expect(contents.slice(1)).toEqual([
      { msgtype: "m.text", body: "a reply", "m.relates_to": { "m.in_reply_to": { event_id: root } } },
      { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: root } } },
      { msgtype: "m.text", body: "next in thread", "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: t1 } } },
      { msgtype: "m.text", body: "answer to t1", "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: false, "m.in_reply_to": { event_id: t1 } } },
      { msgtype: "m.text", body: "* new", "m.new_content": { msgtype: "m.text", body: "new" }, "m.relates_to": { rel_type: "m.replace", event_id: t1 } },
      { "m.relates_to": { rel_type: "m.annotation", event_id: root, key: "👍" } },
    ]);
    expect(hs.events.at(-1)!.type).toBe("m.reaction");
    expect(t2).toBeDefined();
    expect((await store.idMapping.toMatrix({ kind: "reaction", id: "x1" }))!.eventId).toBe(hs.events.at(-1)!.eventId);
  });

  it("a reply or thread to an unmapped target degrades; an edit or reaction of one fails for good and is reported; its redaction has nothing to do", async () => {
    const reports: string[] = [];
    const { store, hs, sender, queue } = setup({ onPermanentFailure: (_e, f) => void reports.push(f.error) });
    await queue(
      createPortal("r1"),
      inPortal("r1", "a", "reply to lost", { relation: { type: "reply", to: msg("lost") } }),
      inPortal("r1", "b", "thread of lost", { relation: { type: "thread", root: msg("lost") } }),
      inPortal("r1", "c", "edit of lost", { relation: { type: "edit", target: msg("lost") } }),
      { op: "send", sender: ALICE, room: portal("r1"), eventType: "m.reaction", content: {}, relation: { type: "reaction", target: msg("lost"), key: "x" } },
      { op: "redact", sender: ALICE, room: portal("r1"), target: msg("lost") },
      inPortal("r1", "d", "after"),
    );
    await sender.drain();
    expect(hs.events.map((e) => e.content)).toEqual([
      { msgtype: "m.text", body: "reply to lost" },
      { msgtype: "m.text", body: "thread of lost" },
      { msgtype: "m.text", body: "after" },
    ]);
    expect(reports).toEqual(["unresolved edit target", "unresolved reaction target"]);
    expect(await store.deadLetters.count()).toBe(2);
  });

  it("a send into a platform room that has no portal (its creation failed) fails for good", async () => {
    const reports: string[] = [];
    const { hs, sender, queue } = setup({ onPermanentFailure: (_e, f) => void reports.push(`${f.reason} ${f.error}`) });
    hs.failWith = (r) => (r.path.endsWith("/createRoom") ? Object.assign(new Error("no"), { statusCode: 400, errcode: "M_INVALID_ROOM_STATE" }) : undefined);
    await queue(createPortal("r1"), inPortal("r1", "m1", "lost"));
    await sender.drain();
    expect(reports).toEqual(["refused 400 M_INVALID_ROOM_STATE", "unresolved unresolved room"]);
  });

  it("redacts with the reason, and `redacts` in the content from room version 11 on", async () => {
    const { hs, sender, queue } = setup();
    await queue(createPortal("v10"), inPortal("v10", "a", "a"), createPortal("v11", { roomVersion: "11" }), inPortal("v11", "b", "b"));
    await queue(
      { op: "redact", sender: ALICE, room: portal("v10"), target: msg("a"), reason: "spam" },
      { op: "redact", sender: ALICE, room: portal("v11"), target: msg("b") },
    );
    await sender.drain();
    const redactions = hs.events.filter((e) => e.type === "m.room.redaction");
    const [a, b] = ["a", "b"].map((body) => hs.events.find((e) => e.content.body === body)!.eventId);
    expect(redactions.map((e) => [e.redacts, e.content])).toEqual([
      [a, { reason: "spam" }],
      [b, { redacts: b }],
    ]);
    expect(redactions.every((e) => e.txnId?.startsWith("mirage."))).toBe(true);
  });

  it("membership as a ghost or the bot; a change that already took effect counts as done", async () => {
    const { store, hs, sender, queue } = setup();
    const roomId = hs.addRoom([BOT]);
    const room = hs.rooms.get(roomId)!;
    await queue(
      { op: "membership", action: "invite", sender: BOT, roomId, userId: ALICE },
      { op: "membership", action: "join", sender: ALICE, roomId },
      { op: "membership", action: "invite", sender: BOT, roomId, userId: ALICE },
      { op: "membership", action: "invite", sender: BOT, roomId, userId: BOB },
      { op: "membership", action: "kick", sender: BOT, roomId, userId: BOB, reason: "bye" },
      { op: "membership", action: "kick", sender: BOT, roomId, userId: BOB },
      { op: "membership", action: "ban", sender: BOT, roomId, userId: "@troll:t" },
      { op: "membership", action: "leave", sender: ALICE, roomId },
      { op: "membership", action: "leave", sender: ALICE, roomId },
    );
    await sender.drain();
    expect(Object.fromEntries(room.members)).toEqual({ [BOT]: "join", [ALICE]: "leave", [BOB]: "leave", "@troll:t": "ban" });
    expect(await store.deadLetters.count()).toBe(0);
    expect(hs.requests.find((r) => r.path.endsWith("/kick"))!.body).toEqual({ user_id: BOB, reason: "bye" });
  });

  it("a reaction refused as a duplicate annotation is the one already there: mapped, not failed", async () => {
    const { store, hs, sender, queue } = setup();
    await queue(createPortal("r1"), inPortal("r1", "m1", "hello"));
    await sender.drain();
    const roomId = (await store.idMapping.toMatrix(portal("r1")))!.roomId;
    const target = (await store.idMapping.toMatrix(msg("m1")))!.eventId!;
    const react = (id: string): OutboxEntryInput => ({
      op: "send",
      sender: ALICE,
      room: portal("r1"),
      eventType: "m.reaction",
      content: {},
      ref: { kind: "reaction", id },
      relation: { type: "reaction", target: msg("m1"), key: "👍" },
    });
    await queue(react("x1"), react("x2"));
    await sender.drain();
    const reactions = hs.eventsIn(roomId).filter((e) => e.type === "m.reaction");
    expect(reactions).toHaveLength(1);
    expect(reactions[0]!.content).toEqual({ "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👍" } });
    expect((await store.idMapping.toMatrix({ kind: "reaction", id: "x2" }))!.eventId).toBe(reactions[0]!.eventId);
    expect(await store.deadLetters.count()).toBe(0);
  });

  it("a membership change the homeserver refuses and that did not take effect fails for good", async () => {
    const reports: string[] = [];
    const { hs, sender, queue } = setup({ onPermanentFailure: (_e, f) => void reports.push(f.error) });
    const roomId = hs.addRoom([BOT]);
    await queue({ op: "membership", action: "join", sender: ALICE, roomId });
    await sender.drain();
    expect(reports).toEqual(["403 M_FORBIDDEN"]);
  });

  it("sets a ghost's display name and avatar as that ghost", async () => {
    const { hs, sender, queue } = setup();
    await queue({ op: "profile", sender: ALICE, displayName: "Alice", avatarUrl: "mxc://t/abc" });
    await sender.drain();
    expect(hs.profiles.get(ALICE)).toEqual({ displayname: "Alice", avatar_url: "mxc://t/abc" });
    expect(hs.requests.map((r) => r.sender)).toEqual([ALICE, ALICE]);
  });

  it("carries out entries stored before operations had kinds; one that is not a valid operation fails for good", async () => {
    const reports: string[] = [];
    const { db, hs, sender, bodies } = setup({ onPermanentFailure: (e, f) => void reports.push(`${e.id} ${f.reason}`) });
    const roomId = hs.addRoom([BOT]);
    const raw = db.sublevel<string, unknown>("outbox", { valueEncoding: "json" });
    await raw.put("0000000000000001", { id: "0000000000000001", sender: BOT, roomId, eventType: "m.room.message", content: { body: "legacy" }, createdAt: 0, attempts: 0 });
    await raw.put("0000000000000002", { id: "0000000000000002", sender: BOT, roomId, eventType: "m.room.message", createdAt: 0, attempts: 0 });
    await raw.put("0000000000000003", { id: "0000000000000003", sender: BOT, roomId, eventType: "m.room.topic", stateKey: "", content: { topic: "t" }, createdAt: 0, attempts: 0 });
    await sender.drain();
    expect(bodies()).toEqual(["legacy"]);
    expect(hs.rooms.get(roomId)!.state.get("m.room.topic\x00")).toEqual({ topic: "t" });
    expect(reports).toEqual(["0000000000000002 invalid"]);
  });

  it("refuses to queue an invalid operation, storing nothing", async () => {
    const { store, queue } = setup();
    await expect(queue(createPortal("ok"), { op: "membership", action: "kick", sender: BOT, roomId: "!r:t" } as OutboxEntryInput)).rejects.toThrow(/kick needs userId/);
    await expect(queue({ op: "send", sender: BOT, eventType: "m.room.message", content: {} } as OutboxEntryInput)).rejects.toThrow(/exactly one of roomId and room/);
    await expect(queue({ op: "nonsense" } as unknown as OutboxEntryInput)).rejects.toThrow(/invalid operation/);
    expect(await store.outbox.size()).toBe(0);
  });
});

describe("OutboxSender: encrypted rooms", () => {
  const ops = (roomId: string): OutboxEntryInput[] => [
    { op: "send", sender: ALICE, roomId, eventType: "m.room.message", content: { body: "secret" }, ref: msg("m1") },
    { op: "send", sender: ALICE, roomId, eventType: "m.room.message", content: { body: "secret edit" }, relation: { type: "edit", target: msg("m1") } },
    { op: "send", sender: ALICE, roomId, eventType: "m.reaction", content: {}, relation: { type: "reaction", target: msg("m1"), key: "k" } },
    { op: "redact", sender: ALICE, roomId, target: msg("m1") },
  ];

  it("encrypts every event it sends, relations included, and sends redactions as they are", async () => {
    const { hs, sender, queue } = setup();
    hs.withCrypto = true;
    const roomId = hs.addRoom([ALICE]);
    hs.encrypt(roomId);
    await queue(...ops(roomId));
    await sender.drain();
    expect(hs.events.map((e) => e.type)).toEqual(["m.room.encrypted", "m.room.encrypted", "m.room.encrypted", "m.room.redaction"]);
    const plain = hs.events.slice(0, 3).map((e) => JSON.parse(String(e.content.ciphertext)) as { type: string; content: Record<string, unknown> });
    expect(plain.map((p) => p.type)).toEqual(["m.room.message", "m.room.message", "m.reaction"]);
    expect(plain[1]!.content["m.new_content"]).toEqual({ body: "secret edit" });
    expect(hs.events[3]!.redacts).toBe(hs.events[0]!.eventId);
  });

  it("without a crypto device refuses plaintext into an encrypted room (reported), and still redacts", async () => {
    const reports: string[] = [];
    const { store, hs, sender, queue } = setup({ onPermanentFailure: (_e, f) => void reports.push(f.error) });
    const roomId = hs.addRoom([ALICE]);
    hs.encrypt(roomId);
    await store.idMapping.link([{ ref: msg("m1"), roomId, eventId: "$known", origin: "matrix" }]);
    await queue(...ops(roomId).slice(1));
    await sender.drain();
    expect(reports).toEqual(["400", "400"]);
    expect(hs.events.map((e) => [e.type, e.redacts])).toEqual([["m.room.redaction", "$known"]]);
  });
});

describe("OutboxSender: which rooms are encrypted is remembered between sends", () => {
  const text = (roomId: string, body: string): OutboxEntryInput => ({ op: "send", sender: ALICE, roomId, eventType: "m.room.message", content: { body } });
  const encryptionEvent = (roomId: string) => ({ type: "m.room.encryption", state_key: "", room_id: roomId, content: { algorithm: "m.megolm.v1.aes-sha2" } });
  const lookups = (hs: FakeHomeserver) => hs.stateReads.filter((t) => t === "m.room.encryption").length;

  it("asks once for an unencrypted room, and its m.room.encryption arriving in a transaction turns the next send encrypted", async () => {
    const encryption = new RoomEncryptionCache({ unencryptedTtlMs: 60_000, now: () => 0 });
    const reports: string[] = [];
    const { hs, sender, queue, bodies } = setup({ encryption, onPermanentFailure: (_e, f) => void reports.push(f.error) });
    const roomId = hs.addRoom([ALICE]);
    await queue(text(roomId, "one"), text(roomId, "two"));
    await sender.drain();
    expect(bodies()).toEqual(["one", "two"]);
    expect(lookups(hs)).toBe(1);

    // The homeserver turns encryption on; Mirage hears of it through the transaction that carries the state event.
    hs.encrypt(roomId);
    encryption.observeEvents([{ type: "m.room.message", room_id: roomId }, encryptionEvent(roomId)]);
    await queue(text(roomId, "three"));
    await sender.drain();
    // No crypto device here: known encrypted, the send is refused rather than sent in the clear.
    expect(bodies()).toEqual(["one", "two"]);
    expect(reports).toEqual(["400"]);
  });

  it("asks again once a negative answer is older than its TTL, and never again once encrypted", async () => {
    const clock = { t: 0 };
    const encryption = new RoomEncryptionCache({ unencryptedTtlMs: 1000, now: () => clock.t });
    const reports: string[] = [];
    const { hs, sender, queue, bodies } = setup({ encryption, onPermanentFailure: (_e, f) => void reports.push(f.error) });
    const roomId = hs.addRoom([ALICE]);
    await queue(text(roomId, "one"));
    await sender.drain();
    hs.encrypt(roomId);
    clock.t = 999;
    await queue(text(roomId, "two"));
    await sender.drain();
    expect([bodies(), lookups(hs)]).toEqual([["one", "two"], 1]);
    clock.t = 1000;
    await queue(text(roomId, "three"), text(roomId, "four"));
    await sender.drain();
    expect([bodies(), lookups(hs), reports]).toEqual([["one", "two"], 2, ["400", "400"]]);
  });
});

describe("OutboxSender: idempotent on retry after a crash between the homeserver's answer and the store", () => {
  /** The first `complete` throws as if the process died right after the homeserver answered. */
  function crashOnce(store: Store) {
    const complete = store.outbox.complete.bind(store.outbox);
    let crashed = false;
    store.outbox.complete = async (id, links) => {
      if (!crashed) {
        crashed = true;
        throw new Error("process killed");
      }
      return complete(id, links);
    };
  }

  it("re-sends an event with the same transaction id: one event, and its id is mapped", async () => {
    const { db, store, hs, sender, queue, restart } = setup();
    const roomId = hs.addRoom([ALICE]);
    await queue({ op: "send", sender: ALICE, roomId, eventType: "m.room.message", content: { body: "once" }, ref: msg("m1") });
    crashOnce(store);
    await expect(sender.drain()).rejects.toThrow(/process killed/);
    await restart().drain();
    const sends = hs.requests.filter((r) => r.path.includes("/send/"));
    expect(sends).toHaveLength(2);
    expect(new Set(sends.map((r) => r.path)).size).toBe(1);
    expect(hs.events).toHaveLength(1);
    expect(await storeOver(db).idMapping.toMatrix(msg("m1"))).toEqual({ roomId, eventId: hs.events[0]!.eventId });
  });

  it("does not create a second room: the retry finds the first by its alias and maps it", async () => {
    const { db, store, hs, sender, queue, restart } = setup();
    await queue(createPortal("r1"), inPortal("r1", "m1", "hello"));
    crashOnce(store);
    await expect(sender.drain()).rejects.toThrow(/process killed/);
    expect(hs.rooms.size).toBe(1);
    await restart().drain();
    expect(hs.rooms.size).toBe(1);
    // The retry's creation is refused (its alias is in use) and takes the first room.
    expect(hs.requests.filter((r) => r.path.endsWith("/createRoom"))).toHaveLength(2);
    const roomId = [...hs.rooms.keys()][0]!;
    expect(await storeOver(db).idMapping.toMatrix(portal("r1"))).toEqual({ roomId });
    expect(hs.eventsIn(roomId).map((e) => e.content.body)).toEqual(["hello"]);
  });

  it("creates a portal without looking its alias up first (that lookup would ask Mirage's own alias query, which waits for this creation)", async () => {
    const { store, hs, sender, queue } = setup();
    // The homeserver asking the appservice about an alias it does not know, and timing out.
    hs.failWith = (r) => (r.method === "GET" && r.path.includes("/directory/room/") ? Object.assign(new Error("timeout"), { statusCode: 504 }) : undefined);
    await queue(createPortal("r1"));
    await sender.drain();
    expect(await store.idMapping.toMatrix(portal("r1"))).toEqual({ roomId: hs.aliases.get("#mirage_r1:t") });
  });

  it("takes a room created concurrently under the alias (M_ROOM_IN_USE) instead of failing", async () => {
    const { store, hs, sender, queue } = setup();
    let raced: string | undefined;
    hs.failWith = (r) => {
      if (r.path.endsWith("/createRoom") && raced === undefined) {
        raced = hs.addRoom([ALICE]);
        hs.aliases.set("#mirage_r1:t", raced);
      }
      return undefined;
    };
    await queue(createPortal("r1"));
    await sender.drain();
    expect(await store.idMapping.toMatrix(portal("r1"))).toEqual({ roomId: raced });
    expect(hs.rooms.size).toBe(1);
  });
});
