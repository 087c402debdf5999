import { describe, expect, it } from "vitest";
import type { EffectSink, EventHandler } from "../../src/matrix/EventHandler.js";
import { EventRouter } from "../../src/matrix/EventRouter.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";

/* Member events refresh what Mirage knows of Matrix users' profiles, before and regardless of routing. */

const BOT = "@mirage:hs";
const member = (over: Partial<RoomEvent>): RoomEvent => ({
  type: "m.room.member",
  roomId: "!portal:hs",
  sender: "@bob:elsewhere",
  stateKey: "@bob:elsewhere",
  eventId: "$m",
  originServerTs: 42,
  content: { membership: "join", displayname: "Bob", avatar_url: "mxc://elsewhere/a" },
  ...over,
});

function world(onMemberProfile: (userId: string, content: Record<string, unknown>, at: number) => void) {
  const handled: string[] = [];
  const handler = (name: string): EventHandler => ({ handle: async () => void handled.push(name) });
  const router = new EventRouter({
    botUserId: BOT,
    isOwnUser: (id) => id === BOT || id.startsWith("@mirage_"),
    isCommand: () => false,
    bot: handler("bot"),
    onMemberProfile,
  });
  router.attachPortals({ portalOf: async (roomId) => roomId === "!portal:hs", handler: handler("bridge") });
  const sink: EffectSink = { send: () => undefined };
  return { handled, handle: (event: RoomEvent) => router.handle(event, sink) };
}

describe("member events and profiles", () => {
  it("notes a Matrix user's own join or profile change in any room, then routes the event as before", async () => {
    const noted: unknown[] = [];
    const { handled, handle } = world((userId, content, at) => noted.push([userId, content.displayname, content.avatar_url, at]));
    await handle(member({}));
    await handle(member({ roomId: "!elsewhere:hs", content: { membership: "join", displayname: "Bobby" } }));
    expect(noted).toEqual([
      ["@bob:elsewhere", "Bob", "mxc://elsewhere/a", 42],
      ["@bob:elsewhere", "Bobby", undefined, 42],
    ]);
    expect(handled).toEqual(["bridge", "bot"]);
  });

  it("ignores Mirage's own users, members written by someone else, and departures", async () => {
    const noted: string[] = [];
    const { handle } = world((userId) => noted.push(userId));
    await handle(member({ sender: "@mirage_alice:hs", stateKey: "@mirage_alice:hs" }));
    await handle(member({ sender: BOT, stateKey: BOT }));
    // An invite carries the invitee's profile as the inviter wrote it: not the user's word.
    await handle(member({ sender: "@mallory:elsewhere", content: { membership: "invite", displayname: "Bob is a fraud" } }));
    await handle(member({ sender: "@mallory:elsewhere", content: { membership: "join", displayname: "Forged" } }));
    await handle(member({ content: { membership: "leave", displayname: "Bob" } }));
    expect(noted).toEqual([]);
  });

  it("never fails or holds up the event's handling when noting fails", async () => {
    const { handled, handle } = world(() => {
      throw new Error("store down");
    });
    await handle(member({}));
    expect(handled).toEqual(["bridge"]);
  });
});
