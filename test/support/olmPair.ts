import { createRequire } from "node:module";
import type * as Wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { OlmMachine as BridgeMachine, DeviceLists, EncryptionSettings } from "@matrix-org/matrix-sdk-crypto-nodejs";

// The bindings load the CommonJS build; use the same instance so classes match.
const wasm = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm") as typeof Wasm;

/**
 * Two devices wired together without a homeserver: Mirage's machine (through the
 * matrix-bot-sdk-facing bindings, durable store) and a peer client's in-memory wasm machine.
 * Key uploads, queries and claims are answered from each other's uploads.
 */
export interface OlmPair {
  bridge: BridgeMachine;
  peer: Wasm.OlmMachine;
  roomId: string;
  bridgeUser: string;
  peerUser: string;
  /** The peer encrypts a message event; returns the full event as the bridge would receive it. */
  peerEncrypt(content: Record<string, unknown>, n: number): Promise<Record<string, unknown>>;
  /** Shares the bridge's Megolm session with the peer (so the bridge can encrypt). */
  shareBridgeSession(): Promise<void>;
  /** Encrypts as matrix-bot-sdk does: share (or rotate) the session first, then encrypt. */
  bridgeEncrypt(content: Record<string, unknown>): Promise<Record<string, unknown>>;
}

type Upload = { device_keys: Record<string, unknown>; one_time_keys: Record<string, unknown> };

/** What both machine kinds share for key exchange. */
interface KeyExchanging {
  outgoingRequests(): Promise<Array<{ id?: string; type: number; body: string }>>;
  markRequestAsSent(id: string, type: number, response: string): Promise<unknown>;
  updateTrackedUsers(users: Wasm.UserId[]): Promise<void>;
  getMissingSessions(users: Wasm.UserId[]): Promise<{ id: string; type: number } | null | undefined>;
}

async function takeUpload(machine: KeyExchanging): Promise<Upload> {
  const upload = (await machine.outgoingRequests()).find((r) => r.type === wasm.RequestType.KeysUpload);
  if (!upload) throw new Error("no keys upload request");
  const body = JSON.parse(upload.body) as Upload;
  await machine.markRequestAsSent(upload.id!, upload.type, JSON.stringify({ one_time_key_counts: { signed_curve25519: 50 } }));
  return body;
}

export async function createOlmPair(storeDir: string): Promise<OlmPair> {
  const bridgeUser = "@mirage:bench.test";
  const peerUser = "@peer:bench.test";
  const roomId = "!room:bench.test";
  const bridge = await BridgeMachine.initialize(new wasm.UserId(bridgeUser), new wasm.DeviceId("BRIDGEDEV"), storeDir, "bench passphrase");
  const peer = await wasm.OlmMachine.initialize(new wasm.UserId(peerUser), new wasm.DeviceId("PEERDEV"));
  const bridgeKeys = await takeUpload(bridge);
  const peerKeys = await takeUpload(peer);

  /** Answers a machine's key query and claim for `user` from that user's upload. */
  async function introduce(
    machine: KeyExchanging,
    user: string,
    device: string,
    keys: Upload,
  ): Promise<void> {
    await machine.updateTrackedUsers([new wasm.UserId(user)]);
    for (const request of await machine.outgoingRequests()) {
      if (request.type === wasm.RequestType.KeysQuery) {
        await machine.markRequestAsSent(request.id!, request.type, JSON.stringify({ device_keys: { [user]: { [device]: keys.device_keys } }, failures: {} }));
      }
    }
    const claim = await machine.getMissingSessions([new wasm.UserId(user)]);
    if (claim) {
      const [otkId, otk] = Object.entries(keys.one_time_keys)[0]!;
      delete keys.one_time_keys[otkId];
      await machine.markRequestAsSent(claim.id, claim.type, JSON.stringify({ one_time_keys: { [user]: { [device]: { [otkId]: otk } } }, failures: {} }));
    }
  }

  await introduce(peer, bridgeUser, "BRIDGEDEV", bridgeKeys);

  /** The peer shares (or rotates) its session with the bridge, as a client does before sending. */
  async function shareFromPeer(): Promise<void> {
    const requests = await peer.shareRoomKey(new wasm.RoomId(roomId), [new wasm.UserId(bridgeUser)], new wasm.EncryptionSettings());
    const toDevice = requests.flatMap((r) => {
      const messages = JSON.parse(r.body).messages as Record<string, Record<string, unknown>>;
      return Object.values(messages[bridgeUser] ?? {}).map((content) => ({ type: r.event_type, sender: peerUser, content }));
    });
    if (toDevice.length > 0) await bridge.receiveSyncChanges(JSON.stringify(toDevice), new DeviceLists([], []), { signed_curve25519: 50 }, []);
    for (const r of requests) await peer.markRequestAsSent(r.txn_id, wasm.RequestType.ToDevice, "{}");
  }

  return {
    bridge,
    peer,
    roomId,
    bridgeUser,
    peerUser,
    async peerEncrypt(content, n) {
      await shareFromPeer();
      const encrypted = JSON.parse(await peer.encryptRoomEvent(new wasm.RoomId(roomId), "m.room.message", JSON.stringify(content)));
      return { type: "m.room.encrypted", sender: peerUser, room_id: roomId, event_id: `$bench${n}`, origin_server_ts: Date.now(), content: encrypted };
    },
    async shareBridgeSession() {
      await introduce(bridge, peerUser, "PEERDEV", peerKeys);
      await shareFromBridge();
    },
    async bridgeEncrypt(content) {
      await shareFromBridge();
      return JSON.parse(await bridge.encryptRoomEvent(new wasm.RoomId(roomId), "m.room.message", JSON.stringify(content)));
    },
  };

  async function shareFromBridge(): Promise<void> {
    {
      const requests = await bridge.shareRoomKey(new wasm.RoomId(roomId), [new wasm.UserId(peerUser)], new EncryptionSettings());
      const events = requests.flatMap((r) => {
        const messages = JSON.parse(r.body).messages as Record<string, Record<string, unknown>>;
        return Object.values(messages[peerUser] ?? {}).map((content) => ({ type: r.eventType, sender: bridgeUser, content }));
      });
      if (events.length > 0) await peer.receiveSyncChanges(JSON.stringify(events), new wasm.DeviceLists(), new Map(), new Set());
      for (const r of requests) await bridge.markRequestAsSent(r.txnId, wasm.RequestType.ToDevice, "{}");
    }
  }
}
