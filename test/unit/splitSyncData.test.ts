import { describe, expect, it } from "vitest";
import { splitSyncData } from "../../src/matrix/crypto/splitSyncData.js";

describe("splitSyncData", () => {
  it("gives each device only its own to-device messages, key counts and fallback keys", () => {
    const split = splitSyncData({
      txnId: "t",
      events: [],
      "de.sorunome.msc2409.to_device": [
        { type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage_g:x", to_device_id: "NEW", content: { n: 1 } },
        { type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage_g:x", to_device_id: "OLD", content: { n: 2 } },
        { type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage:x", to_device_id: "BOT", content: { n: 3 } },
        { type: "m.room.encrypted", sender: "@a:x", content: { n: 4 } },
      ],
      "org.matrix.msc3202.device_one_time_keys_count": { "@mirage_g:x": { NEW: { signed_curve25519: 7 }, OLD: {} } },
      "org.matrix.msc3202.device_unused_fallback_key_types": { "@mirage_g:x": { NEW: ["signed_curve25519"] } },
      "org.matrix.msc3202.device_lists": { changed: ["@a:x"], left: ["@b:x"] },
    } as never);
    const ghost = split.devices.get("@mirage_g:x")!;
    expect(ghost.get("NEW")).toEqual({
      toDevice: [{ type: "m.room.encrypted", sender: "@a:x", content: { n: 1 } }],
      counts: { signed_curve25519: 7 },
      unusedFallbacks: ["signed_curve25519"],
    });
    expect(ghost.get("OLD")!.toDevice).toEqual([{ type: "m.room.encrypted", sender: "@a:x", content: { n: 2 } }]);
    expect(ghost.get("OLD")!.unusedFallbacks).toBeUndefined();
    // Reported without a count: none left.
    expect(ghost.get("OLD")!.counts).toEqual({});
    expect(split.devices.get("@mirage:x")!.get("BOT")!.toDevice).toHaveLength(1);
    // Not reported is not "none left": the machine keeps its own count.
    expect(split.devices.get("@mirage:x")!.get("BOT")!.counts).toBeUndefined();
    expect([...split.devices.keys()].sort()).toEqual(["@mirage:x", "@mirage_g:x"]);
    // MSC3202 names users who left "left" (matrix-bot-sdk reads a "removed" field that never comes).
    expect(split).toMatchObject({ changed: ["@a:x"], left: ["@b:x"] });
  });

  it("reads the older key-count field name and ignores malformed parts", () => {
    const split = splitSyncData({
      txnId: "t",
      events: [],
      "org.matrix.msc3202.device_one_time_key_counts": { "@mirage_g:x": { D: { signed_curve25519: 3, bogus: "x" } } },
      "de.sorunome.msc2409.to_device": "nope",
      "org.matrix.msc3202.device_lists": { changed: [1, "@a:x"] },
    } as never);
    expect(split.devices.get("@mirage_g:x")!.get("D")!.counts).toEqual({ signed_curve25519: 3 });
    expect(split).toMatchObject({ changed: ["@a:x"], left: [] });
  });
});
