import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* Join rules, joining, departures decided in Matrix, and the web moderator's kick and ban. */

async function world() {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const [alice, carol] = [await p.person("alice"), await p.person("carol")];
  const bob = people.matrix("@bob:example.org" as MatrixUserId);
  const ghostOfCarol = people.matrix("@mirage_carol:test.example" as MatrixUserId);
  return { store, p, alice, bob, carol, ghostOfCarol };
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("join rules and joining", () => {
  it("rooms are invite-only unless created public; the rule is kept on the room", async () => {
    const { p, alice } = await world();
    expect((await p.chat.createRoom(alice, { name: "closed" })).joinRule).toBe("invite");
    expect((await p.chat.createRoom(alice, { name: "open", joinRule: "public" })).joinRule).toBe("public");
    await expect(p.chat.createRoom(alice, { name: "odd", joinRule: "knock" as "public" })).rejects.toThrow(code("INVALID_INPUT"));
  });

  it("anyone joins a public room, a web account or a Matrix user; joining again changes nothing", async () => {
    const { p, alice, bob, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "open", joinRule: "public" });
    expect((await p.chat.join(carol, room.id)).membership).toBe("join");
    const joined = await p.chat.join(bob, room.id, { origin: { roomId: "!portal:test.example", eventId: "$join" } });
    expect(joined).toMatchObject({ member: "@bob:example.org", membership: "join", by: "@bob:example.org" });
    const { members } = await p.chat.getRoom(bob, room.id);
    expect(members.map((m) => m.member).sort()).toEqual(["@bob:example.org", "alice", "carol"]);
    const before = p.emitted.length;
    expect(await p.chat.join(bob, room.id)).toEqual(joined);
    expect(p.emitted.length).toBe(before);
  });

  it("an invite-only room takes the invited, hides itself from strangers, and refuses those who left", async () => {
    const { p, alice, bob, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "closed", invite: ["@bob:example.org"] });
    await expect(p.chat.join(carol, room.id)).rejects.toThrow(code("NOT_FOUND"));
    expect((await p.chat.join(bob, room.id)).membership).toBe("join");
    await p.chat.leave(bob, room.id);
    await expect(p.chat.join(bob, room.id)).rejects.toThrow(code("FORBIDDEN"));
  });

  it("a ghost's Matrix ID joins as its account", async () => {
    const { p, alice, ghostOfCarol } = await world();
    const room = await p.chat.createRoom(alice, { name: "closed", invite: ["carol"] });
    expect((await p.chat.join(ghostOfCarol, room.id)).member).toBe("carol");
  });
});

describe("departures decided in Matrix", () => {
  it("records a leave, a kick by anyone Matrix allowed, and a ban, without web-side moderation rules", async () => {
    const { p, alice, bob, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "r", invite: ["@bob:example.org", "carol"], joinRule: "public" });
    await p.chat.join(bob, room.id);
    await p.chat.join(carol, room.id);
    // Bob (not the room's creator on the platform) kicks carol in Matrix: Matrix decided, so it stands.
    const kick = await p.chat.recordDeparture(carol, room.id, { by: bob, membership: "leave", reason: "off topic" }, { origin: { roomId: "!p:t", eventId: "$kick" } });
    expect(kick).toMatchObject({ member: "carol", membership: "leave", by: "@bob:example.org", reason: "off topic" });
    expect(p.emitted.at(-1)).toMatchObject({
      event: { type: "member.changed", member: "carol", membership: "leave", by: "@bob:example.org", reason: "off topic" },
      origin: { eventId: "$kick" },
    });
    // The kicked member hears of it (they were in the room), and may come back to a public room.
    expect(p.emitted.at(-1)!.audience).toContain("carol");
    await p.chat.join(carol, room.id);
    // A ban: cannot rejoin, cannot be invited again, until it is lifted (a Matrix unban is a leave).
    await p.chat.recordDeparture(bob, room.id, { by: alice, membership: "ban" });
    await expect(p.chat.join(bob, room.id)).rejects.toThrow(/banned/);
    await expect(p.chat.invite(alice, room.id, "@bob:example.org")).rejects.toThrow(code("FORBIDDEN"));
    expect((await p.chat.getRoom(alice, room.id)).members.map((m) => m.member)).not.toContain("@bob:example.org");
    await p.chat.recordDeparture(bob, room.id, { by: alice, membership: "leave" });
    expect((await p.chat.invite(alice, room.id, "@bob:example.org")).membership).toBe("invite");
  });

  it("a leave of someone not in the room and a second identical ban change nothing; an unknown room is NOT_FOUND", async () => {
    const { p, alice, bob } = await world();
    const room = await p.chat.createRoom(alice, { name: "r" });
    const before = p.emitted.length;
    expect(await p.chat.recordDeparture(bob, room.id, { by: bob, membership: "leave" })).toBeUndefined();
    await p.chat.recordDeparture(bob, room.id, { by: alice, membership: "ban" });
    await p.chat.recordDeparture(bob, room.id, { by: alice, membership: "ban" });
    expect(p.emitted.length).toBe(before + 1);
    await expect(p.chat.recordDeparture(bob, "r_AAAAAAAAAAAAAAAA" as typeof room.id, { by: bob, membership: "leave" })).rejects.toThrow(code("NOT_FOUND"));
  });

  it("a ban in Matrix closes a DM: it is not reopened from the web", async () => {
    const { p, alice, bob } = await world();
    const { room } = await p.chat.openDm(alice, "@bob:example.org");
    await p.chat.recordDeparture(alice, room.id, { by: bob, membership: "ban" });
    await expect(p.chat.openDm(alice, "@bob:example.org")).rejects.toThrow(code("FORBIDDEN"));
    expect(await p.chat.roomsOf(alice)).toEqual([]);
  });
});

describe("kick and ban from the web", () => {
  it("only the group room's creator removes members; a kicked member may be invited again, a banned one not", async () => {
    const { p, alice, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "r", invite: ["carol", "@bob:example.org"] });
    await p.chat.join(carol, room.id);
    await expect(p.chat.removeMember(carol, room.id, "@bob:example.org", {})).rejects.toThrow(code("FORBIDDEN"));
    await expect(p.chat.removeMember(alice, room.id, "alice", {})).rejects.toThrow(code("INVALID_INPUT"));
    expect(await p.chat.removeMember(alice, room.id, "carol", { reason: "spam" })).toMatchObject({ membership: "leave", by: "alice", reason: "spam" });
    await expect(p.chat.removeMember(alice, room.id, "carol", {})).rejects.toThrow(code("NOT_FOUND"));
    expect((await p.chat.invite(alice, room.id, "carol")).membership).toBe("invite");
    expect((await p.chat.removeMember(alice, room.id, "@bob:example.org", { ban: true })).membership).toBe("ban");
    // Someone never in the room is banned without hearing of the room.
    await p.person("dave");
    await p.chat.removeMember(alice, room.id, "dave", { ban: true });
    expect(p.emitted.at(-1)).toMatchObject({ event: { member: "dave", membership: "ban" } });
    expect(p.emitted.at(-1)!.audience).not.toContain("dave");
    const emitted = p.emitted.length;
    expect((await p.chat.removeMember(alice, room.id, "@bob:example.org", { ban: true, reason: "again" })).reason).toBeUndefined();
    expect(p.emitted.length).toBe(emitted);
    await expect(p.chat.invite(alice, room.id, "@bob:example.org")).rejects.toThrow(code("FORBIDDEN"));
  });

  it("the creator lifts a ban; then the person may be invited again", async () => {
    const { p, alice, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "r", invite: ["carol"] });
    await p.chat.join(carol, room.id);
    await expect(p.chat.unban(alice, room.id, "carol")).rejects.toThrow(code("NOT_FOUND"));
    await p.chat.removeMember(alice, room.id, "carol", { ban: true });
    await expect(p.chat.unban(carol, room.id, "carol")).rejects.toThrow(code("NOT_FOUND"));
    expect(await p.chat.unban(alice, room.id, "carol")).toMatchObject({ member: "carol", membership: "leave", by: "alice" });
    expect((await p.chat.invite(alice, room.id, "carol")).membership).toBe("invite");
  });

  it("nobody moderates a DM", async () => {
    const { p, alice } = await world();
    const { room } = await p.chat.openDm(alice, "carol");
    await expect(p.chat.removeMember(alice, room.id, "carol", { ban: true })).rejects.toThrow(code("FORBIDDEN"));
  });
});

describe("delivery failed", () => {
  it("marks the message once, tells its readers, and is not a change for Matrix", async () => {
    const { p, alice, carol } = await world();
    const room = await p.chat.createRoom(alice, { name: "r", invite: ["carol"] });
    await p.chat.join(carol, room.id);
    const message = await p.chat.send(alice, room.id, { body: "too big for Matrix" });
    const failed = await p.chat.markDeliveryFailed(message.id, "M_TOO_LARGE");
    expect(failed.delivery).toEqual({ state: "failed", reason: "M_TOO_LARGE", at: expect.any(Number) });
    expect(p.emitted.at(-1)).toMatchObject({ event: { type: "message.delivery_failed", messageId: message.id, by: "alice" } });
    expect([...p.emitted.at(-1)!.audience].sort()).toEqual(["alice", "carol"]);
    const count = p.emitted.length;
    expect((await p.chat.markDeliveryFailed(message.id, "M_FORBIDDEN")).delivery?.reason).toBe("M_TOO_LARGE");
    expect(p.emitted.length).toBe(count);
    expect((await p.chat.messages(carol, room.id, { limit: 1 }))[0]!.delivery?.state).toBe("failed");
    await expect(p.chat.markDeliveryFailed(message.id.replace(/.$/, "_") as typeof message.id, "x")).rejects.toThrow(code("NOT_FOUND"));
    await expect(p.chat.markDeliveryFailed((await p.chat.send(alice, room.id, { body: "b" })).id, "  ")).rejects.toThrow(code("INVALID_INPUT"));
  });
});
