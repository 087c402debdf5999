import type { Appservice } from "@vector-im/matrix-bot-sdk";
import { describe, expect, it } from "vitest";
import { MatrixRoomFacts } from "../../src/matrix/MatrixRoomFacts.js";
import { CREATOR_POWER, RoomCreators, type RoomEventReader } from "../../src/matrix/RoomCreators.js";

/** A homeserver with one v12 room (`!abc`, created by @owner, @co as additional creator) and one v10 room. */
function reader(reads: string[] = []): RoomEventReader {
  const creates: Record<string, Record<string, unknown>> = {
    "!abc": { room_version: "12", additional_creators: ["@co:hs", 7] },
    "!old:hs": { room_version: "10", creator: "@owner:hs" },
  };
  return {
    async stateContent(roomId, type) {
      reads.push(`state ${roomId} ${type}`);
      return type === "m.room.create" ? creates[roomId] : undefined;
    },
    async event(roomId, eventId) {
      reads.push(`event ${roomId} ${eventId}`);
      return eventId === "$abc" ? { sender: "@owner:hs", content: creates["!abc"] } : undefined;
    },
  };
}

describe("room creators", () => {
  it("are the create event's sender and additional creators in room version 12, nobody in older versions, read once per room", async () => {
    const reads: string[] = [];
    const creators = new RoomCreators(reader(reads));
    expect([...(await creators.of("!abc"))].sort()).toEqual(["@co:hs", "@owner:hs"]);
    expect(await creators.of("!abc")).toEqual(new Set(["@owner:hs", "@co:hs"]));
    expect(await creators.of("!old:hs")).toEqual(new Set());
    expect(reads).toEqual(["state !abc m.room.create", "event !abc $abc", "state !old:hs m.room.create"]);
  });

  it("outrank every level in command permission checks, where `users` does not list them", async () => {
    const levels = { users: { "@mod:hs": 50 }, users_default: 0 };
    const appservice = { botClient: { getRoomStateEvent: async () => levels } } as unknown as Appservice;
    const facts = new MatrixRoomFacts(appservice, [], { byRoom: async () => undefined }, new RoomCreators(reader()));
    expect(await facts.powerLevel("!abc", "@owner:hs")).toBe(CREATOR_POWER);
    expect(await facts.powerLevel("!abc", "@mod:hs")).toBe(50);
    expect(await facts.powerLevel("!old:hs", "@owner:hs")).toBe(0);
  });
});
