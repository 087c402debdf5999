import { EncryptedRoomEvent, type Appservice, type Intent } from "@vector-im/matrix-bot-sdk";
import { flushAll } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { AppserviceTransaction } from "../../platform/ports/TransactionInbox.js";

/** Transaction keys that carry device data for the crypto machines (MSC2409, MSC3202). */
const SYNC_DATA_KEYS = [
  "de.sorunome.msc2409.to_device",
  "de.sorunome.msc2409.ephemeral",
  "org.matrix.msc3202.device_lists",
  "org.matrix.msc3202.device_one_time_keys_count",
  "org.matrix.msc3202.device_one_time_key_counts",
  "org.matrix.msc3202.device_unused_fallback_key_types",
] as const;

/** matrix-bot-sdk's transaction and decryption internals, reused so its E2EE code runs unchanged. */
interface AppserviceInternals {
  handleTransaction(txnId: string, body: AppserviceTransaction): Promise<void>;
  decryptAppserviceEvent(roomId: string, event: EncryptedRoomEvent): Promise<Record<string, unknown>>;
}

/** The bot's device, for manual verification. */
export interface DeviceIdentity {
  userId: string;
  deviceId: string;
  ed25519: string;
}

/**
 * End-to-bridge encryption for the appservice: hands device data from transactions to the
 * Olm machines, keeps room tracking current, and decrypts room events.
 */
export class BridgeCrypto {
  private readonly internals: AppserviceInternals;

  constructor(private readonly appservice: Appservice) {
    this.internals = appservice as unknown as AppserviceInternals;
  }

  /** Sets up the bot's device (first run: logs in a device and uploads its keys). */
  async enableBot(): Promise<void> {
    await enableIntentEncryption(this.appservice.botIntent);
    await flushAll();
  }

  hasSyncData(body: AppserviceTransaction): boolean {
    return SYNC_DATA_KEYS.some((key) => body[key] !== undefined);
  }

  /** Feeds to-device messages, device-list changes and key counts to the machines; resolves once durable. */
  async handleSyncData(txnId: string, body: AppserviceTransaction): Promise<void> {
    await this.internals.handleTransaction(txnId, { ...body, events: [] });
    await flushAll();
  }

  /** Updates the machines' view of a room (encryption settings, members to track). */
  async observe(event: Record<string, unknown>): Promise<void> {
    const roomId = event.room_id as string;
    const crypto = this.appservice.botClient.crypto;
    if (crypto?.isReady) await crypto.onRoomEvent(roomId, event);
    const target = event.state_key;
    if (
      event.type === "m.room.member" &&
      typeof target === "string" &&
      (event.content as { membership?: unknown }).membership === "join" &&
      this.appservice.isNamespacedUser(target)
    ) {
      const client = this.appservice.getIntentForUserId(target).underlyingClient;
      if (client.crypto?.isReady) await client.crypto.onRoomJoin(roomId);
    }
  }

  /** Decrypts with whichever of our devices in the room holds the key; throws when none does. */
  async decrypt(event: Record<string, unknown>): Promise<Record<string, unknown>> {
    const decrypted = await this.internals.decryptAppserviceEvent(event.room_id as string, new EncryptedRoomEvent(event));
    await flushAll();
    return decrypted;
  }

  botIdentity(): DeviceIdentity | undefined {
    const crypto = this.appservice.botClient.crypto;
    if (!crypto?.isReady) return undefined;
    return { userId: this.appservice.botUserId, deviceId: crypto.clientDeviceId, ed25519: crypto.clientDeviceEd25519 };
  }
}

/**
 * matrix-bot-sdk caches the first enableEncryption() promise, even a rejected one; forget
 * a failure so the next attempt (e.g. once the homeserver is back) really retries.
 */
export async function enableIntentEncryption(intent: Intent): Promise<void> {
  try {
    await intent.enableEncryption();
  } catch (error) {
    (intent as unknown as { cryptoSetupPromise?: Promise<void> }).cryptoSetupPromise = undefined;
    throw error;
  }
}
