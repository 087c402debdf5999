import { describe, expect, it } from "vitest";
import { bridgeInfoState } from "../../src/matrix/bridgeInfo.js";

describe("bridge info state", () => {
  it("writes m.bridge and uk.half-shot.bridge with the same MSC2346 content and key", () => {
    const events = bridgeInfoState("@mirage:example.org", "!room:example.org", {
      id: "general",
      displayname: "General",
      externalUrl: "https://mirage.example/app/rooms/general",
    }, "@mirage_alice:example.org");
    expect(events.map((e) => e.eventType)).toEqual(["m.bridge", "uk.half-shot.bridge"]);
    for (const e of events) {
      expect(e).toMatchObject({ sender: "@mirage:example.org", roomId: "!room:example.org", stateKey: "org.mirage.bridge:/general" });
      expect(e.content).toEqual({
        bridgebot: "@mirage:example.org",
        creator: "@mirage_alice:example.org",
        protocol: { id: "mirage", displayname: "Mirage" },
        channel: { id: "general", displayname: "General", external_url: "https://mirage.example/app/rooms/general" },
      });
    }
  });
});
