import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";
import { reactionRefId } from "../../src/platform/reactions/reactionRefId.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { editEventRef } from "../../src/platform/chat/editEventRef.js";

/* A write imported from Matrix links its event in the write's own batch, and its journal entry says where it came from. */

async function world() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  const room = await p.chat.createRoom(alice, { name: "talk" });
  return { store, p, alice, room };
}

describe("writes with a Matrix origin", () => {
  it("link a created message to its event, and journal the origin", async () => {
    const { store, p, alice, room } = await world();
    const sent = await p.chat.send(alice, room.id, { body: "hi" }, { origin: { roomId: "!portal:hs", eventId: "$ev1" } });
    expect(await store.idMapping.byEvent("$ev1")).toEqual({ ref: { kind: "message", id: sent.id }, roomId: "!portal:hs", eventId: "$ev1", origin: "matrix" });
    expect(await store.idMapping.toMatrix({ kind: "message", id: sent.id })).toEqual({ roomId: "!portal:hs", eventId: "$ev1" });
    const entries = await store.journal.read(0, 100);
    expect(entries.at(-1)?.origin).toEqual({ roomId: "!portal:hs", eventId: "$ev1", ref: { kind: "message", id: sent.id } });
  });

  it("link an edit as the message's numbered edit and a deletion as an event of its own, leaving the message's link alone", async () => {
    const { store, p, alice, room } = await world();
    const sent = await p.chat.send(alice, room.id, { body: "hi" }, { origin: { roomId: "!portal:hs", eventId: "$ev1" } });
    await p.chat.edit(alice, sent.id, "hello", { origin: { roomId: "!portal:hs", eventId: "$edit" } });
    await p.chat.delete(alice, sent.id, { origin: { roomId: "!portal:hs", eventId: "$redaction" } });
    expect((await store.idMapping.byEvent("$edit"))?.ref).toEqual(editEventRef(sent.id, 1));
    expect((await store.idMapping.byEvent("$redaction"))?.ref).toEqual({ kind: "event", id: "$redaction" });
    expect(await store.idMapping.toMatrix({ kind: "message", id: sent.id })).toEqual({ roomId: "!portal:hs", eventId: "$ev1" });
  });

  it("link a reaction under the ID its removal looks up", async () => {
    const { store, p, alice, room } = await world();
    const sent = await p.chat.send(alice, room.id, { body: "hi" });
    const target = { kind: "message" as const, id: sent.id };
    await p.reactions.add(alice, target, "👍", { origin: { roomId: "!portal:hs", eventId: "$reaction" } });
    expect((await store.idMapping.byEvent("$reaction"))?.ref).toEqual({ kind: "reaction", id: reactionRefId(target, "alice", "👍") });
  });

  it("link a Matrix join, leave, kick or ban as an event of its own, with the origin on the membership change", async () => {
    const { store, p, alice } = await world();
    const bob = people.matrix("@bob:example.org" as MatrixUserId);
    const room = await p.chat.createRoom(alice, { name: "open", joinRule: "public" });
    const origin = (eventId: string) => ({ origin: { roomId: "!portal:hs", eventId } });
    await p.chat.join(bob, room.id, origin("$join"));
    await p.chat.recordDeparture(bob, room.id, { by: alice, membership: "ban", reason: "spam" }, origin("$ban"));
    for (const eventId of ["$join", "$ban"]) expect((await store.idMapping.byEvent(eventId))?.ref).toEqual({ kind: "event", id: eventId });
    const entries = await store.journal.read(0, 100);
    expect(entries.slice(-2).map((entry) => [entry.event.type, entry.origin?.eventId])).toEqual([
      ["member.changed", "$join"],
      ["member.changed", "$ban"],
    ]);
  });

  it("leave the mapping alone for writes from the web", async () => {
    const { store, p, alice, room } = await world();
    const sent = await p.chat.send(alice, room.id, { body: "hi" });
    expect(await store.idMapping.toMatrix({ kind: "message", id: sent.id })).toBeUndefined();
    expect((await store.journal.read(0, 100)).every((entry) => entry.origin === undefined)).toBe(true);
  });
});
