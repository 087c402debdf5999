import { describe, expect, it } from "vitest";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { BOT, bridgeWorld, ghostOf, ops } from "../support/bridgeWorld.js";

/* Platform → Matrix for people and rooms: ghost profiles, portal creation and memberships, as the relay queues them. */

const bob = "@bob:example.org";

describe("ghost profiles", () => {
  it("queues a ghost's display name and avatar once, before it first appears in Matrix, across restarts", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    await w.store.accounts.update({ ...(await w.p.account("alice")), displayName: "Alice A", avatarUrl: "https://img.example/a.png" });
    await w.p.chat.createRoom(alice, { name: "first" });
    expect(ops(await w.relayAll())).toEqual([
      { op: "profile", sender: ghostOf("alice"), displayName: "Alice A", avatarSource: "https://img.example/a.png" },
      expect.objectContaining({ op: "createRoom", sender: BOT }),
      { op: "membership", action: "join", sender: ghostOf("alice"), room: expect.anything() },
    ]);
    await w.p.chat.createRoom(alice, { name: "second" });
    expect((await w.relayAll()).filter((op) => op.op === "profile")).toEqual([]);
    // A restart forgets what it knew in memory; the durable receipt still says it was queued.
    w.restartRelay();
    await w.p.chat.createRoom(alice, { name: "third" });
    expect((await w.relayAll()).filter((op) => op.op === "profile")).toEqual([]);
    // Someone else appearing gets theirs (an account without avatar sends none).
    await w.p.person("carol");
    await w.p.chat.createRoom(await w.p.person("carol"), { name: "carol's" });
    expect((await w.relayAll()).filter((op) => op.op === "profile")).toEqual([expect.objectContaining({ sender: ghostOf("carol"), displayName: "carol" })]);
    expect((await w.relayAll()).length).toBe(0);
  });

  it("follows display name and avatar changes (an emptied avatar removes it); other profile fields change nothing", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const changes = [{ displayName: "Alice Liddell" }, { avatarUrl: "https://img.example/new.png" }, { bio: "hello" }, { avatarUrl: "" }];
    const queued = [];
    for (const change of changes) {
      await w.p.profiles.update(alice, change);
      queued.push(ops(await w.relayAll()));
    }
    expect(queued).toEqual([
      [{ op: "profile", sender: ghostOf("alice"), displayName: "Alice Liddell" }],
      [{ op: "profile", sender: ghostOf("alice"), avatarSource: "https://img.example/new.png" }],
      [],
      [{ op: "profile", sender: ghostOf("alice"), avatarUrl: "" }],
    ]);
  });
});

describe("portal creation", () => {
  it("creates an invite-only group portal by the bot: alias, bridge state, creator admin, members invited and joined", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    await w.p.person("carol");
    const room = await w.p.chat.createRoom(alice, { name: "Team", topic: "plans", invite: ["carol", bob] });
    const queued = ops(await w.relayAll()).filter((op) => op.op !== "profile");
    const create = queued[0]!;
    expect(create).toMatchObject({
      op: "createRoom",
      sender: BOT,
      room: { kind: "room", id: room.id },
      alias: `mirage_${room.id}`,
      name: "Team",
      topic: "plans",
      preset: "private_chat",
      visibility: "private",
      // The bot creates it, so it is the owner (room version 12 refuses the creator in `users`).
      powerLevels: { users: { [ghostOf("alice")]: 100 } },
    });
    expect(create).not.toHaveProperty("isDirect");
    expect((create as { invite: string[] }).invite.sort()).toEqual([ghostOf("alice"), ghostOf("carol")]);
    expect((create as { initialState: { type: string }[] }).initialState.map((s) => s.type)).toEqual(["m.bridge", "uk.half-shot.bridge"]);
    expect(queued.slice(1)).toEqual([
      { op: "membership", action: "join", sender: ghostOf("alice"), room: { kind: "room", id: room.id } },
      // The Matrix user's invite comes from the inviter's ghost, which joined just before.
      { op: "membership", action: "invite", sender: ghostOf("alice"), room: { kind: "room", id: room.id }, userId: bob },
      // Carol's platform invite is queued from her own journal entry, as the invite of her ghost by Alice's.
      { op: "membership", action: "invite", sender: ghostOf("alice"), room: { kind: "room", id: room.id }, userId: ghostOf("carol") },
      { op: "membership", action: "invite", sender: ghostOf("alice"), room: { kind: "room", id: room.id }, userId: bob },
    ]);
  });

  it("creates a public room's portal with the public_chat preset", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    await w.p.chat.createRoom(alice, { name: "Open", joinRule: "public" });
    const [create] = ops(await w.relayAll()).filter((op) => op.op !== "profile");
    expect(create).toMatchObject({ op: "createRoom", preset: "public_chat", visibility: "private" });
  });

  it("creates a DM with a Matrix user as an is_direct room of the web user's ghost, inviting the Matrix user", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const { room } = await w.p.chat.openDm(alice, bob);
    const queued = ops(await w.relayAll()).filter((op) => op.op !== "profile");
    expect(queued[0]).toMatchObject({
      op: "createRoom",
      sender: ghostOf("alice"),
      room: { kind: "room", id: room.id },
      isDirect: true,
      preset: "trusted_private_chat",
      invite: [bob],
      powerLevels: { users: { [BOT]: 100 } },
    });
    expect(queued.filter((op) => op.op === "membership" && op.action === "join")).toEqual([]);
  });

  it("creates a DM between two accounts by the opener's ghost, the other ghost invited and joined", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    await w.p.person("carol");
    const { room } = await w.p.chat.openDm(alice, "carol");
    const queued = ops(await w.relayAll()).filter((op) => op.op !== "profile");
    expect(queued[0]).toMatchObject({ op: "createRoom", sender: ghostOf("alice"), isDirect: true, invite: [ghostOf("carol")] });
    expect(queued.slice(1)).toEqual([{ op: "membership", action: "join", sender: ghostOf("carol"), room: { kind: "room", id: room.id } }]);
  });
});

describe("memberships from the platform", () => {
  it("invites a Matrix user named as bob@server from the inviter's ghost, and moves ghosts on join and leave", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const carol = await w.p.person("carol");
    const room = await w.p.chat.createRoom(alice, { name: "Team" });
    await w.relayAll();
    await w.sendAll();
    const ref = { kind: "room", id: room.id };
    await w.p.chat.invite(alice, room.id, "bob@example.org");
    await w.p.chat.invite(alice, room.id, "carol");
    await w.p.chat.invite(carol, room.id, "carol");
    await w.p.chat.leave(carol, room.id);
    expect(ops(await w.relayAll()).filter((op) => op.op !== "profile")).toEqual([
      { op: "membership", action: "invite", sender: ghostOf("alice"), room: ref, userId: bob },
      { op: "membership", action: "invite", sender: ghostOf("alice"), room: ref, userId: ghostOf("carol") },
      { op: "membership", action: "invite", sender: BOT, room: ref, userId: ghostOf("carol") },
      { op: "membership", action: "join", sender: ghostOf("carol"), room: ref },
      { op: "membership", action: "leave", sender: ghostOf("carol"), room: ref },
    ]);
  });

  it("lets a ghost join a public portal by itself, without the bot's invite", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const carol = await w.p.person("carol");
    const room = await w.p.chat.createRoom(alice, { name: "Open", joinRule: "public" });
    await w.relayAll();
    await w.p.chat.join(carol, room.id);
    expect(ops(await w.relayAll()).filter((op) => op.op !== "profile")).toEqual([
      { op: "membership", action: "join", sender: ghostOf("carol"), room: { kind: "room", id: room.id } },
    ]);
  });

  it("kicks and bans in Matrix as the room's creator does on the web: by the creator's ghost, with the reason", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const carol = await w.p.person("carol");
    const room = await w.p.chat.createRoom(alice, { name: "Team", invite: ["carol", bob] });
    await w.p.chat.join(carol, room.id);
    await w.relayAll();
    const ref = { kind: "room", id: room.id };
    await w.p.chat.removeMember(alice, room.id, "carol", { reason: "be nice" });
    await w.p.chat.removeMember(alice, room.id, bob, { ban: true, reason: "spam" });
    await w.p.chat.unban(alice, room.id, bob);
    expect(ops(await w.relayAll())).toEqual([
      // A removal may be a lifted ban (the event does not say): unbanning someone not banned is done already.
      { op: "membership", action: "unban", sender: ghostOf("alice"), room: ref, userId: ghostOf("carol") },
      { op: "membership", action: "kick", sender: ghostOf("alice"), room: ref, userId: ghostOf("carol"), reason: "be nice" },
      { op: "membership", action: "ban", sender: ghostOf("alice"), room: ref, userId: bob, reason: "spam" },
      { op: "membership", action: "unban", sender: ghostOf("alice"), room: ref, userId: bob },
      { op: "membership", action: "kick", sender: ghostOf("alice"), room: ref, userId: bob },
    ]);
  });

  it("sends nothing back for memberships that came from Matrix", async () => {
    const w = bridgeWorld();
    const alice = await w.p.person("alice");
    const room = await w.p.chat.createRoom(alice, { name: "Team" });
    await w.relayAll();
    const matrixBob = people.matrix(bob as MatrixUserId);
    await w.p.chat.invite(alice, room.id, bob);
    await w.relayAll();
    await w.p.chat.invite(matrixBob, room.id, bob, { origin: { roomId: "!p:test.example", eventId: "$join" } });
    await w.p.chat.leave(matrixBob, room.id, { origin: { roomId: "!p:test.example", eventId: "$leave" } });
    expect(await w.relayAll()).toEqual([]);
  });
});
