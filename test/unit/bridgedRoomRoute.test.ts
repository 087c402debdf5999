import { describe, expect, it } from "vitest";
import { bridgedRoomRoute } from "../../src/bridge/bridgedRoomRoute.js";
import type { EventHandler } from "../../src/matrix/EventHandler.js";
import { EventRouter } from "../../src/matrix/EventRouter.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";
import type { PlatformRef } from "../../src/platform/ports/IdMapping.js";

/* A blog room's events reach the blog handler, a portal's the chat bridge, any other room's the bot. */

const BOT = "@mirage:hs";
const rooms: Record<string, PlatformRef> = {
  "!portal:hs": { kind: "room", id: "r_1" },
  "!blog:hs": { kind: "blog", id: "alice" },
};
const event = (roomId: string, body = "hello"): RoomEvent => ({
  type: "m.room.message",
  roomId,
  sender: "@bob:elsewhere",
  eventId: "$e",
  originServerTs: 0,
  stateKey: undefined,
  content: { msgtype: "m.text", body },
});

describe("bridgedRoomRoute", () => {
  it("routes by the kind of room the ID mapping knows", async () => {
    const seen: string[] = [];
    const handler = (name: string): EventHandler => ({ handle: async () => void seen.push(name) });
    const router = new EventRouter({ botUserId: BOT, isOwnUser: (id) => id === BOT, isCommand: (body) => body.startsWith("!blog"), bot: handler("bot") });
    router.attachPortals(bridgedRoomRoute({ byRoom: async (roomId) => rooms[roomId] }, { room: handler("chat"), blog: handler("blog") }));
    const route = async (e: RoomEvent) => {
      seen.length = 0;
      await router.handle(e, { send: () => undefined });
      return [...seen];
    };
    expect(await route(event("!blog:hs"))).toEqual(["blog"]);
    expect(await route(event("!portal:hs"))).toEqual(["chat"]);
    expect(await route(event("!other:hs"))).toEqual(["bot"]);
    // Commands are the bot's in blog rooms too.
    expect(await route(event("!blog:hs", "!blog list"))).toEqual(["bot"]);
  });
});
