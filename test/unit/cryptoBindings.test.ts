import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import type * as Wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { closeAll, flushAll, OlmMachine } from "@matrix-org/matrix-sdk-crypto-nodejs";
import { afterAll, describe, expect, it } from "vitest";
import { createOlmPair } from "../support/olmPair.js";

// The bindings load the CommonJS build; use the same instance so classes match.
const wasm = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm") as typeof Wasm;

afterAll(async () => {
  await closeAll();
});

describe("crypto bindings on the wasm engine", () => {
  it("decrypts a peer's Megolm events and encrypts events the peer decrypts", async () => {
    const pair = await createOlmPair(await mkdtemp(path.join(tmpdir(), "mirage-olm-")));
    const event = await pair.peerEncrypt({ msgtype: "m.text", body: "hello bridge" }, 1);
    const decrypted = await pair.bridge.decryptRoomEvent(JSON.stringify(event), new wasm.RoomId(pair.roomId));
    expect(JSON.parse(decrypted.event)).toMatchObject({ type: "m.room.message", content: { body: "hello bridge" } });

    await pair.shareBridgeSession();
    const sealed = JSON.parse(await pair.bridge.encryptRoomEvent(new wasm.RoomId(pair.roomId), "m.room.message", JSON.stringify({ msgtype: "m.notice", body: "hello peer" })));
    expect(sealed).toMatchObject({ algorithm: "m.megolm.v1.aes-sha2" });
    const back = await pair.peer.decryptRoomEvent(
      JSON.stringify({ type: "m.room.encrypted", sender: pair.bridgeUser, room_id: pair.roomId, event_id: "$x", origin_server_ts: 1, content: sealed }),
      new wasm.RoomId(pair.roomId),
      new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted),
    );
    expect(JSON.parse(back.event).content.body).toBe("hello peer");
  });

  it("signs like the nodejs bindings: a record of {isValid, signature}", async () => {
    const pair = await createOlmPair(await mkdtemp(path.join(tmpdir(), "mirage-olm-")));
    const signatures = await pair.bridge.sign(JSON.stringify({ hello: "world" }));
    const mine = signatures.get(new wasm.UserId(pair.bridgeUser));
    const [key, value] = Object.entries(mine)[0]!;
    expect(key).toBe("ed25519:BRIDGEDEV");
    expect(value.isValid).toBe(true);
    expect(value.signature?.toBase64()).toMatch(/^[A-Za-z0-9+/]{86}$/);
  });

  it("refuses a machine without a store path (it would lose the device)", async () => {
    await expect(OlmMachine.initialize(new wasm.UserId("@a:b"), new wasm.DeviceId("D"), "", "")).rejects.toThrow(/store path/);
  });

  it("keeps the same identity when a machine is opened again on its store", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-olm-"));
    const first = await OlmMachine.initialize(new wasm.UserId("@keep:b"), new wasm.DeviceId("KEEP"), dir, "pw");
    const key = first.identityKeys.ed25519.toBase64();
    await flushAll();
    first.close();
    const again = await OlmMachine.initialize(new wasm.UserId("@keep:b"), new wasm.DeviceId("KEEP"), dir, "pw");
    expect(again.identityKeys.ed25519.toBase64()).toBe(key);
  });
});

describe("cross-signing keys", () => {
  it("keeps the private cross-signing keys in the durable store: a machine opened again still holds them", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-olm-"));
    const open = () => OlmMachine.initialize(new wasm.UserId("@mirage_xs:b"), new wasm.DeviceId("XS"), dir, "pw");
    const first = await open();
    expect(await first.crossSigningStatus()).toEqual({ hasMaster: false, hasSelfSigning: false, hasUserSigning: false });
    const requests = await first.bootstrapCrossSigning(false);
    const master = JSON.parse(requests.uploadSigningKeysBody).master_key.keys;
    await first.shutdown();
    const again = await open();
    expect(await again.crossSigningStatus()).toEqual({ hasMaster: true, hasSelfSigning: true, hasUserSigning: true });
    // Asked again (an upload that failed before), it offers the same identity, not a new one.
    expect(JSON.parse((await again.bootstrapCrossSigning(false)).uploadSigningKeysBody).master_key.keys).toEqual(master);
    await again.shutdown();
  });
});

describe("one-time key counts", () => {
  /** A machine whose first keys (50 one-time keys) the server took. */
  async function publishedMachine(): Promise<OlmMachine> {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-olm-"));
    const machine = await OlmMachine.initialize(new wasm.UserId("@mirage_otk:b"), new wasm.DeviceId("OTK"), dir, "pw");
    const upload = (await machine.outgoingRequests()).find((r) => r.type === wasm.RequestType.KeysUpload)!;
    expect(Object.keys(JSON.parse(upload.body).one_time_keys)).toHaveLength(50);
    await machine.markRequestAsSent(upload.id, upload.type, JSON.stringify({ one_time_key_counts: { signed_curve25519: 50 } }));
    return machine;
  }
  const uploads = async (machine: OlmMachine) => (await machine.outgoingRequests()).filter((r) => r.type === wasm.RequestType.KeysUpload);

  it("keeps the machine's own count when a transaction reports nothing for the device (no needless uploads)", async () => {
    const machine = await publishedMachine();
    for (let i = 0; i < 3; i++) await machine.receiveSyncChanges("[]", new wasm.DeviceLists(), null);
    expect(await uploads(machine)).toEqual([]);
    await machine.receiveSyncChanges("[]", new wasm.DeviceLists(), { signed_curve25519: 50 });
    expect(await uploads(machine)).toEqual([]);
  });

  it("reads a reported device without a count as holding none, as /sync does, and tops it up", async () => {
    const machine = await publishedMachine();
    await machine.receiveSyncChanges("[]", new wasm.DeviceLists(), {});
    const [upload] = await uploads(machine);
    expect(Object.keys(JSON.parse(upload!.body).one_time_keys)).toHaveLength(50);
  });
});

describe("durability of what the bindings return", () => {
  it("outgoingRequests() resolves only once the state it generated (keys to upload) is on disk", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-olm-"));
    const machine = await OlmMachine.initialize(new wasm.UserId("@fresh:b"), new wasm.DeviceId("FRESH"), dir, "pw");
    // The durable store behind the machine; its flush is made to take a few turns of the event
    // loop, so a flush that is skipped or not awaited shows as unfinished when the call returns.
    const durable = (machine as unknown as { store: { flush(): Promise<void>; written: { transactions: number } } }).store;
    const realFlush = durable.flush;
    let flushed = 0;
    durable.flush = async () => {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      await realFlush();
      flushed += 1;
    };
    try {
      const before = durable.written.transactions;
      const requests = await machine.outgoingRequests();
      expect(flushed).toBe(1);
      expect(requests.some((r) => r.type === wasm.RequestType.KeysUpload)).toBe(true);
      const atReturn = durable.written.transactions;
      expect(atReturn).toBeGreaterThan(before);
      await realFlush();
      expect(durable.written.transactions).toBe(atReturn);
    } finally {
      durable.flush = realFlush;
    }
  });
});

describe("bindings keep the nodejs ownership rules", () => {
  it("lets callers reuse the same UserId array across calls, as matrix-bot-sdk does", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-olm-"));
    const machine = await OlmMachine.initialize(new wasm.UserId("@reuse:b"), new wasm.DeviceId("REUSE"), dir, "pw");
    const users = [new wasm.UserId("@someone:b")];
    await machine.updateTrackedUsers(users);
    await machine.updateTrackedUsers(users);
    // Answer the key query the tracking produced (no devices), so the next call need not wait for one.
    for (const request of await machine.outgoingRequests()) {
      if (request.type === wasm.RequestType.KeysQuery) {
        await machine.markRequestAsSent(request.id, request.type, JSON.stringify({ device_keys: { "@someone:b": {} }, failures: {} }));
      }
    }
    await expect(machine.getMissingSessions(users)).resolves.toBeNull();
    await expect(machine.updateTrackedUsers(users)).resolves.toBeUndefined();
    expect(users[0]!.toString()).toBe("@someone:b");
  });
});
