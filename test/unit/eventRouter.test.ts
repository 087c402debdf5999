import { describe, expect, it } from "vitest";
import type { EffectSink, EventHandler } from "../../src/matrix/EventHandler.js";
import { EventRouter } from "../../src/matrix/EventRouter.js";
import type { RoomEvent } from "../../src/matrix/matrixEvent.js";

/* Each room event reaches exactly one handler. */

const BOT = "@mirage:hs";
const event = (over: Partial<RoomEvent>): RoomEvent => ({
  type: "m.room.message",
  roomId: "!plain:hs",
  sender: "@bob:elsewhere",
  eventId: "$e",
  originServerTs: 0,
  stateKey: undefined,
  content: { msgtype: "m.text", body: "hello" },
  ...over,
});

function world() {
  const seen: string[] = [];
  const handler = (name: string): EventHandler => ({ handle: async () => void seen.push(name) });
  const router = new EventRouter({
    botUserId: BOT,
    isOwnUser: (id) => id === BOT || id.startsWith("@mirage_"),
    isCommand: (body) => body.startsWith("!mirage"),
    bot: handler("bot"),
  });
  router.attachPortals({ portalOf: async (roomId) => (roomId === "!portal:hs" ? "r_1" : undefined), handler: handler("bridge") });
  const sink: EffectSink = { send: () => undefined };
  const route = async (e: RoomEvent) => {
    seen.length = 0;
    await router.handle(e, sink);
    return [...seen];
  };
  return { route };
}

describe("EventRouter", () => {
  it("drops what Mirage's own users sent, in portals and elsewhere", async () => {
    const { route } = world();
    expect(await route(event({ sender: "@mirage_alice:hs", roomId: "!portal:hs" }))).toEqual([]);
    expect(await route(event({ sender: BOT }))).toEqual([]);
  });

  it("gives the bot its own invites, even from a ghost", async () => {
    const { route } = world();
    expect(await route(event({ type: "m.room.member", stateKey: BOT, sender: "@mirage_alice:hs", roomId: "!portal:hs", content: { membership: "invite" } }))).toEqual(["bot"]);
  });

  it("gives commands to the bot, portal events to the bridge, and the rest to the bot", async () => {
    const { route } = world();
    expect(await route(event({ roomId: "!portal:hs", content: { msgtype: "m.text", body: "!mirage ping" } }))).toEqual(["bot"]);
    expect(await route(event({ roomId: "!portal:hs", content: { msgtype: "m.text", body: "!not a command" } }))).toEqual(["bridge"]);
    expect(await route(event({ roomId: "!portal:hs" }))).toEqual(["bridge"]);
    expect(await route(event({ roomId: "!portal:hs", type: "m.reaction", content: {} }))).toEqual(["bridge"]);
    expect(await route(event({}))).toEqual(["bot"]);
  });

  it("never treats an edit as a command", async () => {
    const { route } = world();
    const edit = { msgtype: "m.text", body: "!mirage ping", "m.relates_to": { rel_type: "m.replace", event_id: "$x" } };
    expect(await route(event({ roomId: "!portal:hs", content: edit }))).toEqual(["bridge"]);
  });
});
