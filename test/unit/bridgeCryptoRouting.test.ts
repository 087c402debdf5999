import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import { BridgeCrypto } from "../../src/matrix/crypto/BridgeCrypto.js";
import type { CrossSigning } from "../../src/matrix/crypto/CrossSigning.js";
import type { GhostDevices } from "../../src/matrix/crypto/GhostDevices.js";

type Fed = { userId: string; toDevice: unknown[]; counts: unknown; fallbacks: unknown; changed: string[]; left: string[] };

/** Ghosts with devices `DEV`, some of them open; records which machines got what. */
function setup(open: string[], botReady = true, failure?: Error) {
  const fed: Fed[] = [];
  const opened: string[] = [];
  let ready = botReady;
  const clientFor = (userId: string) =>
    ({
      crypto: {
        isReady: userId === "@mirage:x" ? ready : true,
        clientDeviceId: "BOTDEV",
        updateSyncData: async (toDevice: unknown[], counts: unknown, fallbacks: unknown, changed: string[], left: string[]) => {
          fed.push({ userId, toDevice, counts, fallbacks, changed, left });
          if (failure) throw failure;
        },
      },
    }) as unknown as MatrixClient;
  const openSet = new Set(open);
  const ghosts = {
    deviceIdOf: async (userId: string) => (userId.startsWith("@mirage_") ? "DEV" : undefined),
    use: async <T>(userId: string, fn: (client: MatrixClient) => Promise<T>) => {
      opened.push(userId);
      openSet.add(userId);
      return fn(clientFor(userId));
    },
    ifOpen: async <T>(userId: string, fn: (client: MatrixClient) => Promise<T>) => (openSet.has(userId) ? fn(clientFor(userId)) : undefined),
    openUserIds: () => [...openSet],
  } as unknown as GhostDevices;
  const appservice = {
    botUserId: "@mirage:x",
    get botClient() {
      return clientFor("@mirage:x");
    },
    botIntent: {
      enableEncryption: async () => {
        ready = true;
      },
    },
    isNamespacedUser: (u: string) => u.startsWith("@mirage"),
  } as unknown as Appservice;
  const crypto = new BridgeCrypto(appservice, ghosts, {} as CrossSigning, createLogger("silent"));
  return { crypto, fed, opened };
}

describe("BridgeCrypto device data routing", () => {
  it("opens a closed ghost's device for its to-device messages only, not for key counts, and drops data for devices not its own", async () => {
    const { crypto, fed, opened } = setup(["@mirage_open:x"]);
    await crypto.handleSyncData("t1", {
      txnId: "t1",
      events: [],
      "de.sorunome.msc2409.to_device": [
        { type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage_msg:x", to_device_id: "DEV", content: { n: 1 } },
        { type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage_counts:x", to_device_id: "OLD", content: { n: 2 } },
      ],
      "org.matrix.msc3202.device_one_time_keys_count": {
        "@mirage_counts:x": { DEV: { signed_curve25519: 3 } },
        "@mirage_open:x": { DEV: { signed_curve25519: 50 } },
        "@mirage:x": { BOTDEV: { signed_curve25519: 49 } },
      },
    } as never);
    expect(opened).toEqual(["@mirage_msg:x"]);
    const byUser = Object.fromEntries(fed.map((f) => [f.userId, f]));
    expect(Object.keys(byUser).sort()).toEqual(["@mirage:x", "@mirage_msg:x", "@mirage_open:x"]);
    expect(byUser["@mirage_msg:x"]).toMatchObject({ toDevice: [{ content: { n: 1 } }], counts: null });
    expect(byUser["@mirage_open:x"]).toMatchObject({ toDevice: [], counts: { signed_curve25519: 50 } });
    expect(byUser["@mirage:x"]).toMatchObject({ toDevice: [], counts: { signed_curve25519: 49 } });
  });

  it("tells every open machine about device-list changes, without key counts", async () => {
    const { crypto, fed, opened } = setup(["@mirage_a:x", "@mirage_b:x"]);
    await crypto.handleSyncData("t2", { txnId: "t2", events: [], "org.matrix.msc3202.device_lists": { changed: ["@alice:x"], left: ["@bob:x"] } } as never);
    expect(opened).toEqual([]);
    expect(fed.map((f) => f.userId).sort()).toEqual(["@mirage:x", "@mirage_a:x", "@mirage_b:x"]);
    for (const f of fed) expect(f).toMatchObject({ changed: ["@alice:x"], left: ["@bob:x"], counts: null, toDevice: [] });
  });

  it("sets up the bot's device first when device data for it comes before start-up did", async () => {
    const { crypto, fed } = setup([], false);
    await crypto.handleSyncData("t3", {
      txnId: "t3",
      events: [],
      "de.sorunome.msc2409.to_device": [{ type: "m.room.encrypted", sender: "@a:x", to_user_id: "@mirage:x", to_device_id: "BOTDEV", content: { n: 1 } }],
    } as never);
    expect(fed).toMatchObject([{ userId: "@mirage:x", toDevice: [{ content: { n: 1 } }] }]);
  });

  it("does not hold up later transactions when the homeserver refuses a device's follow-up requests, but retries when it is unavailable", async () => {
    const body = { txnId: "t4", events: [], "org.matrix.msc3202.device_one_time_keys_count": { "@mirage:x": { BOTDEV: {} } } } as never;
    const tooMany = Object.assign(new Error("M_TOO_LARGE"), { statusCode: 400, errcode: "M_TOO_LARGE" });
    await expect(setup([], true, tooMany).crypto.handleSyncData("t4", body)).resolves.toBeUndefined();
    const down = Object.assign(new Error("bad gateway"), { statusCode: 502 });
    await expect(setup([], true, down).crypto.handleSyncData("t4", body)).rejects.toThrow("bad gateway");
  });
});
