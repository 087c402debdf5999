import { MemoryLevel } from "memory-level";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { BridgeRelay } from "../../src/bridge/BridgeRelay.js";
import { editEventRef } from "../../src/platform/chat/editEventRef.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { PlatformRef } from "../../src/platform/ports/IdMapping.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* A message's edits are linked to their Matrix events (both ways), so its expiry or deletion redacts them too. */

const PORTAL = "!portal:test.example";

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const room = await p.chat.createRoom(alice, { name: "edits" });
  await p.chat.invite(alice, room.id, "@bob:elsewhere");
  const bob = people.matrix("@bob:elsewhere" as MatrixUserId);
  await p.chat.join(bob, room.id, { origin: { roomId: PORTAL, eventId: "$bobjoin" } });
  await store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
  const relay = new BridgeRelay({
    rooms: store.rooms,
    messages: store.messages,
    accounts: store.accounts,
    mapping: store.idMapping,
    outbox: store.outbox,
    renderer: { toWebHtml: async (md) => md, toMatrixHtml: async (md) => md },
    names: new BridgeNames("mirage_", "test.example"),
    portal: { botUserId: "@mirage:test.example", encrypt: false },
    logger: pino({ level: "silent" }),
    onQueued: () => undefined,
  });
  const lastEntry = async () => (await store.journal.read(0, 1000)).at(-1)!;
  /** What the outbox does once the homeserver answered a send: link its reference to the new event. */
  const sent = async (ref: PlatformRef, eventId: string) => store.idMapping.link([{ ref, roomId: PORTAL, eventId, origin: "platform" }]);
  return { store, p, alice, bob, room, relay, lastEntry, sent };
}

describe("edit events in the ID mapping", () => {
  it("a web edit is sent as its numbered edit reference; a Matrix edit is linked under the next one", async () => {
    const { store, p, alice, bob, room, relay, lastEntry } = await world();
    const mine = await p.chat.send(alice, room.id, { body: "first" });
    await p.chat.edit(alice, mine.id, "second");
    await p.chat.edit(alice, mine.id, "third");
    const second = (await lastEntry()).event;
    expect(second).toMatchObject({ type: "message.edited", edit: 2 });
    const ops = await relay.operationsFor(second);
    expect(ops).toEqual([expect.objectContaining({ op: "send", ref: editEventRef(mine.id, 2), relation: { type: "edit", target: { kind: "message", id: mine.id } } })]);

    const theirs = await p.chat.send(bob, room.id, { body: "from Matrix" }, { origin: { roomId: PORTAL, eventId: "$theirs" } });
    await p.chat.edit(bob, theirs.id, "edited in Matrix", { origin: { roomId: PORTAL, eventId: "$theirEdit" } });
    expect(await store.idMapping.toMatrix(editEventRef(theirs.id, 1))).toEqual({ roomId: PORTAL, eventId: "$theirEdit" });
    // Importing it again is still a no-op: the event is known.
    expect((await store.idMapping.byEvent("$theirEdit"))?.ref).toEqual(editEventRef(theirs.id, 1));
  });

  it("an expiring message's edit events, from the web and from Matrix, are unlinked and named for redaction", async () => {
    const { store, p, alice, bob, room, relay, sent } = await world();
    const mine = await p.chat.send(alice, room.id, { body: "mine" });
    await store.idMapping.link([{ ref: { kind: "message", id: mine.id }, roomId: PORTAL, eventId: "$mine", origin: "platform" }]);
    await p.chat.edit(alice, mine.id, "mine, edited");
    await sent(editEventRef(mine.id, 1), "$mineEdit");
    const theirs = await p.chat.send(bob, room.id, { body: "theirs" }, { origin: { roomId: PORTAL, eventId: "$theirs" } });
    await p.chat.edit(bob, theirs.id, "theirs, edited", { origin: { roomId: PORTAL, eventId: "$theirEdit1" } });
    await p.chat.edit(bob, theirs.id, "theirs, edited again", { origin: { roomId: PORTAL, eventId: "$theirEdit2" } });

    expect(await p.chat.expire(mine.id)).toBe(true);
    expect(await p.chat.expire(theirs.id)).toBe(true);
    const expired = (await store.journal.read(0, 1000)).filter((e) => e.event.type === "message.expired").map((e) => e.event);
    expect(expired.map((e) => "matrixEventIds" in e && e.matrixEventIds)).toEqual([
      ["$mine", "$mineEdit"],
      ["$theirs", "$theirEdit1", "$theirEdit2"],
    ]);
    for (const eventId of ["$mineEdit", "$theirEdit1", "$theirEdit2"]) expect(await store.idMapping.byEvent(eventId)).toBeUndefined();
    const redacted = (await relay.operationsFor(expired[1]!)).map((op) => op.op === "redact" && op.target);
    expect(redacted).toEqual([{ eventId: "$theirs" }, { eventId: "$theirEdit1" }, { eventId: "$theirEdit2" }]);
  });

  it("a deletion redacts the message's edits: on the web, and after a deletion in Matrix (which redacted only the message there)", async () => {
    const { store, p, alice, bob, room, relay, lastEntry } = await world();
    const mine = await p.chat.send(alice, room.id, { body: "mine" });
    await p.chat.edit(alice, mine.id, "mine, edited");
    await p.chat.delete(alice, mine.id);
    const ghost = "@mirage_alice:test.example";
    expect((await relay.operationsFor((await lastEntry()).event)).map((op) => [op.op, op.sender, op.op === "redact" && op.target])).toEqual([
      ["redact", ghost, { kind: "message", id: mine.id }],
      ["redact", ghost, editEventRef(mine.id, 1)],
    ]);

    const theirs = await p.chat.send(bob, room.id, { body: "theirs" }, { origin: { roomId: PORTAL, eventId: "$theirs" } });
    await p.chat.edit(bob, theirs.id, "theirs, edited", { origin: { roomId: PORTAL, eventId: "$theirEdit" } });
    await p.chat.delete(bob, theirs.id, { origin: { roomId: PORTAL, eventId: "$theirRedaction" } });
    const before = await store.outbox.size();
    await relay.handle(await lastEntry());
    const queued = (await store.outbox.peek(100)).slice(before);
    // By the bot (a Matrix user's events): the edit only, the message is redacted in Matrix already.
    expect(queued.map((e) => [e.op, e.sender, e.op === "redact" && e.target])).toEqual([["redact", "@mirage:test.example", editEventRef(theirs.id, 1)]]);
  });
});
