import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "../support/platformOverStore.js";

/* What the bridge will call for a Matrix user: the same chat abilities as a web account, under the same rules. */

async function world() {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const alice = await p.person("alice");
  await p.person("carol");
  const bob = people.matrix("@bob:example.org" as MatrixUserId);
  const ghostOfAlice = people.matrix("@mirage_alice:test.example" as MatrixUserId);
  return { store, p, alice, bob, ghostOfAlice };
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("chat as a Matrix user", () => {
  it("creates a room, invites by handle, sends, edits and deletes its own messages, and moderates its room", async () => {
    const { p, alice, bob } = await world();
    const room = await p.chat.createRoom(bob, { name: "from matrix", invite: ["alice", "dave@example.net"] });
    expect(room.createdBy).toBe("@bob:example.org");
    const { membership, members } = await p.chat.getRoom(bob, room.id);
    expect(membership.membership).toBe("join");
    expect(members.map((m) => [m.member, m.membership]).sort()).toEqual([["@bob:example.org", "join"], ["@dave:example.net", "invite"], ["alice", "invite"]]);
    expect((await p.chat.roomsOf(bob)).map((r) => r.room.id)).toEqual([room.id]);

    await p.chat.invite(alice, room.id, "alice");
    expect((await p.chat.invite(bob, room.id, "carol")).membership).toBe("invite");

    const sent = await p.chat.send(bob, room.id, { body: "hello from Element" });
    expect(sent.sender).toBe("@bob:example.org");
    const reply = await p.chat.send(alice, room.id, { body: "hi bob", parentId: sent.id });
    expect((await p.chat.messages(bob, room.id, { limit: 10 })).map((m) => m.body)).toEqual(["hi bob", "hello from Element"]);

    expect((await p.chat.edit(bob, sent.id, "hello, edited")).body).toBe("hello, edited");
    await expect(p.chat.edit(bob, reply.id, "not mine")).rejects.toThrow(code("FORBIDDEN"));
    await expect(p.chat.edit(alice, sent.id, "not hers")).rejects.toThrow(code("FORBIDDEN"));
    // The creator moderates: the same rule as for a web creator.
    await p.chat.delete(bob, reply.id);
    await p.chat.delete(bob, sent.id);
    expect((await p.chat.messages(alice, room.id, { limit: 10 })).every((m) => m.deleted)).toBe(true);
  });

  it("reacts to messages it may read, and only those", async () => {
    const { p, alice, bob } = await world();
    const room = await p.chat.createRoom(alice, { name: "web room", invite: ["@bob:example.org"] });
    const message = await p.chat.send(alice, room.id, { body: "react to me" });
    await expect(p.reactions.add(bob, { kind: "message", id: message.id }, "👍")).rejects.toThrow(code("NOT_FOUND"));
    await p.chat.invite(bob, room.id, "@bob:example.org");
    const summary = await p.reactions.add(bob, { kind: "message", id: message.id }, "👍");
    expect(summary.reactions).toEqual({ "👍": 1 });
    expect((await p.chat.messages(bob, room.id, { limit: 1 }))[0]!.myReactions).toEqual(["👍"]);
    expect((await p.reactions.remove(bob, { kind: "message", id: message.id }, "👍")).reactions).toEqual({});
  });

  it("follows the same membership rules: no reading before joining, no room seen uninvited", async () => {
    const { p, alice, bob } = await world();
    const room = await p.chat.createRoom(alice, { name: "web room", invite: ["bob@example.org"] });
    await expect(p.chat.send(bob, room.id, { body: "too early" })).rejects.toThrow(code("FORBIDDEN"));
    await expect(p.chat.invite(bob, room.id, "carol")).rejects.toThrow(code("FORBIDDEN"));
    const stranger = people.matrix("@eve:example.org" as MatrixUserId);
    await expect(p.chat.getRoom(stranger, room.id)).rejects.toThrow(code("NOT_FOUND"));
    await expect(p.chat.send(stranger, room.id, { body: "let me in" })).rejects.toThrow(code("NOT_FOUND"));
    await p.chat.invite(bob, room.id, "@bob:example.org");
    await p.chat.send(bob, room.id, { body: "now I can" });
    await p.chat.leave(bob, room.id);
    await expect(p.chat.getRoom(bob, room.id)).rejects.toThrow(code("NOT_FOUND"));
  });

  it("opens a DM with an account, who joins at once; the account finds the same DM", async () => {
    const { p, alice, bob } = await world();
    const { room, created } = await p.chat.openDm(bob, "alice");
    expect(created).toBe(true);
    expect((await p.chat.getRoom(alice, room.id)).membership.membership).toBe("join");
    expect(await p.chat.openDm(alice, "@bob:example.org")).toEqual({ room, created: false });
  });

  it("tells web accounts, not Matrix users, through sync audiences", async () => {
    const { p, alice, bob } = await world();
    const room = await p.chat.createRoom(bob, { name: "mixed", invite: ["alice"] });
    await p.chat.invite(alice, room.id, "alice");
    p.emitted.length = 0;
    await p.chat.send(bob, room.id, { body: "hi" });
    expect(p.emitted.flatMap((e) => e.audience)).toEqual(["alice"]);
  });
});

describe("a ghost acting is its account", () => {
  it("is the same member as the account, never a second, Matrix, member", async () => {
    const { p, alice, bob, ghostOfAlice } = await world();
    const room = await p.chat.createRoom(ghostOfAlice, { name: "ghost made", invite: ["@bob:example.org"] });
    expect(room.createdBy).toBe("alice");
    expect((await p.chat.roomsOf(alice)).map((r) => r.room.id)).toEqual([room.id]);
    await p.chat.invite(bob, room.id, "@bob:example.org");

    const fromGhost = await p.chat.send(ghostOfAlice, room.id, { body: "through Matrix" });
    expect(fromGhost.sender).toBe("alice");
    expect((await p.chat.edit(alice, fromGhost.id, "edited on the web")).body).toBe("edited on the web");
    await p.chat.delete(ghostOfAlice, (await p.chat.send(alice, room.id, { body: "from the web" })).id);

    await expect(p.chat.invite(bob, room.id, "@mirage_alice:test.example")).rejects.toThrow(code("CONFLICT"));
    await expect(p.chat.invite(bob, room.id, "mirage_alice@test.example")).rejects.toThrow(code("CONFLICT"));
    const members = (await p.chat.getRoom(alice, room.id)).members.map((m) => m.member).sort();
    expect(members).toEqual(["@bob:example.org", "alice"]);

    await p.reactions.add(ghostOfAlice, { kind: "message", id: fromGhost.id }, "👍");
    expect((await p.reactions.add(alice, { kind: "message", id: fromGhost.id }, "👍")).reactions).toEqual({ "👍": 1 });
    expect(await p.reactions.summary({ kind: "message", id: fromGhost.id }, ghostOfAlice)).toEqual({ reactions: { "👍": 1 }, myReactions: ["👍"] });
  });

  it("a DM opened by a ghost with its own account is refused, and a DM with a ghost is the DM with the account", async () => {
    const { p, alice, bob, ghostOfAlice } = await world();
    await expect(p.chat.openDm(ghostOfAlice, "alice")).rejects.toThrow(code("INVALID_INPUT"));
    const { room } = await p.chat.openDm(bob, "@mirage_alice:test.example");
    expect(await p.chat.openDm(bob, "alice")).toEqual({ room, created: false });
    expect((await p.chat.getRoom(alice, room.id)).members.map((m) => m.member).sort()).toEqual(["@bob:example.org", "alice"]);
  });

  it("a ghost of an account that does not exist is refused like the missing account", async () => {
    const { p, bob } = await world();
    const room = await p.chat.createRoom(bob, { name: "r" });
    await expect(p.chat.invite(bob, room.id, "@mirage_nobody:test.example")).rejects.toThrow(code("NOT_FOUND"));
  });
});
