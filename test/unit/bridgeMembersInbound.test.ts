import { describe, expect, it } from "vitest";
import { BridgeEventHandler } from "../../src/bridge/BridgeEventHandler.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";
import { BOT, bridgeWorld, DOMAIN, ghostOf } from "../support/bridgeWorld.js";

/* Matrix → platform for memberships in a portal: Matrix users' joins, leaves, kicks and bans, and ghosts invited by them. */

const bob = "@bob:example.org";
const dave = "@dave:example.org";
const PORTAL = `!portal:${DOMAIN}`;

async function setup(joinRule: "invite" | "public" = "invite") {
  const w = bridgeWorld();
  const alice = await w.p.person("alice");
  await w.p.person("carol");
  const room = await w.p.chat.createRoom(alice, { name: "Team", invite: [bob], joinRule });
  await w.store.idMapping.link([{ ref: { kind: "room", id: room.id }, roomId: PORTAL, origin: "platform" }]);
  const handler = new BridgeEventHandler({
    chat: w.p.chat,
    reactions: w.p.reactions,
    rooms: w.store.rooms,
    messages: w.store.messages,
    mapping: w.store.idMapping,
    names: w.names,
    ghosts: w.ghosts,
    botUserId: BOT,
    isOwnUser: (userId) => userId === BOT || userId.startsWith("@mirage_"),
    mediaUrl: (mxc) => `/media/${mxc.slice("mxc://".length)}`,
    ghostMembership: async (_roomId, ghost) => homeserver.get(ghost),
    logger: createLogger("silent"),
  });
  /** Memberships as the homeserver holds them: what each event made them, unless a test forges one. */
  const homeserver = new Map<string, string>();
  let n = 0;
  const member = async (sender: string, target: string, membership: string, reason?: string, options: { forged?: boolean } = {}) => {
    if (!options.forged) homeserver.set(target, membership);
    const content = { membership, ...(reason ? { reason } : {}) };
    const event: RoomEvent = { type: "m.room.member", roomId: PORTAL, sender, eventId: `$m${++n}`, originServerTs: n, stateKey: target, content };
    await handler.handle(event, { send: () => undefined });
  };
  const state = async () => Object.fromEntries((await w.store.rooms.members(room.id)).map((m) => [m.member, m.membership]));
  const record = async (who: string) => (await w.store.rooms.members(room.id)).find((m) => m.member === who);
  return { w, room, member, state, record, homeserver };
}

describe("memberships from Matrix", () => {
  it("makes an invited Matrix user a member when they join, and not when they leave", async () => {
    const { member, state } = await setup();
    await member(bob, bob, "join");
    expect((await state())[bob]).toBe("join");
    await member(bob, bob, "leave");
    expect((await state())[bob]).toBe("leave");
  });

  it("makes a Matrix user invited in Matrix by a member a platform member once they join", async () => {
    const { member, state } = await setup();
    await member(bob, bob, "join");
    await member(bob, dave, "invite");
    expect((await state())[dave]).toBe("invite");
    await member(dave, dave, "join");
    expect((await state())[dave]).toBe("join");
  });

  it("makes a Matrix user who joins a public room through its alias a member, without an invite; an invite-only room refuses", async () => {
    const open = await setup("public");
    await open.member(dave, dave, "join");
    expect((await open.state())[dave]).toBe("join");
    // Joining again (a profile change in Matrix is a join too) changes nothing.
    await open.member(dave, dave, "join");
    expect((await open.w.store.rooms.members(open.room.id)).filter((m) => m.member === dave)).toHaveLength(1);
    const closed = await setup("invite");
    await closed.member(dave, dave, "join");
    expect((await closed.state())[dave]).toBeUndefined();
  });

  it("records Matrix kicks and bans as departures by the Matrix moderator, with the reason; a leave after a ban lifts it", async () => {
    const { member, state, record } = await setup();
    await member(bob, bob, "join");
    await member(dave, dave, "join");
    await member(bob, dave, "invite");
    await member(dave, dave, "join");
    await member(bob, dave, "leave", "cool down");
    expect(await record(dave)).toMatchObject({ membership: "leave", by: bob, reason: "cool down" });
    await member(bob, ghostOf("carol"), "ban", "spam");
    expect(await record("carol")).toMatchObject({ membership: "ban", by: bob, reason: "spam" });
    await member(bob, ghostOf("carol"), "leave");
    expect((await state())["carol"]).toBe("leave");
  });

  it("ignores a ghost's departure made by someone else that the homeserver does not show (a forged event)", async () => {
    const { member, state, homeserver } = await setup();
    await member(bob, bob, "join");
    homeserver.set(ghostOf("alice"), "join");
    await member(bob, ghostOf("alice"), "leave", undefined, { forged: true });
    await member(bob, ghostOf("alice"), "ban", undefined, { forged: true });
    expect((await state())["alice"]).toBe("join");
  });

  it("turns a ghost invited by a Matrix member into a platform invite of its account", async () => {
    const { member, state } = await setup();
    await member(bob, bob, "join");
    await member(bob, ghostOf("carol"), "invite");
    expect((await state())["carol"]).toBe("invite");
    // The bot's own membership is not a member's.
    await member(bob, BOT, "invite");
    expect(Object.keys(await state()).sort()).toEqual([bob, "alice", "carol"].sort());
  });
});
