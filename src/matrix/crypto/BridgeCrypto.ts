import { EncryptedRoomEvent, type Appservice, type Intent, type MatrixClient } from "@vector-im/matrix-bot-sdk";
import { flushAll } from "@matrix-org/matrix-sdk-crypto-nodejs";
import type { Logger } from "../../log/createLogger.js";
import { isTransientError } from "../isTransientError.js";
import type { AppserviceTransaction } from "../../platform/ports/TransactionInbox.js";
import type { CrossSigning } from "./CrossSigning.js";
import { type GhostDevices, sdkStorageFor } from "./GhostDevices.js";
import { type DeviceSyncData, splitSyncData } from "./splitSyncData.js";

/** Transaction keys that carry device data for the crypto machines (MSC2409, MSC3202). */
const SYNC_DATA_KEYS = [
  "de.sorunome.msc2409.to_device",
  "org.matrix.msc3202.device_lists",
  "org.matrix.msc3202.device_one_time_keys_count",
  "org.matrix.msc3202.device_one_time_key_counts",
  "org.matrix.msc3202.device_unused_fallback_key_types",
] as const;

/** The bot's device, for manual verification. */
export interface DeviceIdentity {
  userId: string;
  deviceId: string;
  ed25519: string;
}

/**
 * End-to-bridge encryption for the appservice: hands device data from transactions to the
 * right device's machine (the bot's or a ghost's own), keeps room tracking current, and
 * decrypts room events with whichever of our devices holds the key.
 */
export class BridgeCrypto {
  private readonly log: Logger;

  constructor(
    private readonly appservice: Appservice,
    private readonly ghosts: GhostDevices,
    private readonly crossSigning: CrossSigning,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "crypto" });
  }

  /** Sets up the bot's device (first run: logs in a device and uploads its keys) and cross-signs it. */
  async enableBot(): Promise<void> {
    await enableIntentEncryption(this.appservice.botIntent);
    const client = this.appservice.botClient;
    const deviceId = client.crypto.clientDeviceId;
    await this.crossSigning.ensure(client, this.appservice.botUserId, deviceId, sdkStorageFor(this.appservice, this.appservice.botUserId));
    await flushAll();
  }

  hasSyncData(body: AppserviceTransaction): boolean {
    return SYNC_DATA_KEYS.some((key) => body[key] !== undefined);
  }

  /**
   * Feeds to-device messages, key counts and device-list changes to the machines they are
   * for: a ghost's device is opened to receive its messages, not for counts or device lists
   * alone; data for a device that is not ours (an old one) is dropped. Resolves once durable.
   */
  async handleSyncData(_txnId: string, body: AppserviceTransaction): Promise<void> {
    const { devices, changed, left } = splitSyncData(body);
    const botId = this.appservice.botUserId;
    const lists = { changed, left };
    const empty: DeviceSyncData = { toDevice: [], counts: undefined, unusedFallbacks: undefined };
    // Data for the bot can come before its device is set up at start: set it up first.
    if (devices.has(botId) && !this.appservice.botClient.crypto?.isReady) await enableIntentEncryption(this.appservice.botIntent);
    const bot = this.appservice.botClient;
    const forBot = bot.crypto?.isReady ? devices.get(botId)?.get(bot.crypto.clientDeviceId) : undefined;
    if (bot.crypto?.isReady && (forBot || changed.length > 0 || left.length > 0)) await this.feed(bot, botId, forBot ?? empty, lists);
    const fed = new Set<string>();
    for (const [userId, perDevice] of devices) {
      if (userId === botId || !this.appservice.isNamespacedUser(userId)) continue;
      const deviceId = await this.ghosts.deviceIdOf(userId);
      const data = deviceId === undefined ? undefined : perDevice.get(deviceId);
      if (!data) {
        this.log.debug({ userId }, "device data for a device that is not a ghost's current one");
        continue;
      }
      // Key counts come for every ghost in the rooms a transaction touches: only messages
      // open a closed device; counts wait until it is open (they come again with its next events).
      const give = async (client: MatrixClient) => {
        await this.feed(client, userId, data, lists);
        fed.add(userId);
      };
      if (data.toDevice.length > 0) await this.ghosts.use(userId, give);
      else await this.ghosts.ifOpen(userId, give);
    }
    if (changed.length > 0 || left.length > 0) {
      for (const userId of this.ghosts.openUserIds()) {
        if (!fed.has(userId)) await this.ghosts.ifOpen(userId, (client) => this.feed(client, userId, empty, lists));
      }
    }
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
      this.appservice.isNamespacedUser(target) &&
      target !== this.appservice.botUserId
    ) {
      // A closed device catches up when it next encrypts (members are read then).
      await this.ghosts.ifOpen(target, (client) => client.crypto.onRoomJoin(roomId));
    }
  }

  /** Decrypts with the bot's device, else with a device of a ghost in the room; throws when none holds the key. */
  async decrypt(event: Record<string, unknown>): Promise<Record<string, unknown>> {
    const roomId = event.room_id as string;
    const encrypted = new EncryptedRoomEvent(event);
    const attempt = async (client: MatrixClient) => (await client.crypto.decryptRoomEvent(encrypted, roomId)).raw as Record<string, unknown>;
    let lastError: unknown;
    const bot = this.appservice.botClient;
    if (bot.crypto?.isReady) {
      try {
        return await this.flushed(attempt(bot));
      } catch (error) {
        lastError = error;
      }
    }
    for (const userId of await this.ghostsIn(roomId)) {
      try {
        return await this.flushed(this.ghosts.use(userId, attempt));
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error("none of the bridge's devices in the room can decrypt the event", { cause: lastError });
  }

  botIdentity(): DeviceIdentity | undefined {
    const crypto = this.appservice.botClient.crypto;
    if (!crypto?.isReady) return undefined;
    return { userId: this.appservice.botUserId, deviceId: crypto.clientDeviceId, ed25519: crypto.clientDeviceEd25519 };
  }

  /**
   * Ghosts whose device may hold the key: senders share a session with every joined device at
   * once, so where the bot is joined only already-open ghost devices are worth trying (opening
   * every ghost's store for each retry of a parked event would churn the pool); elsewhere, every
   * ghost in the room with a device (the open ones when the bot cannot see the room).
   */
  private async ghostsIn(roomId: string): Promise<string[]> {
    const botId = this.appservice.botUserId;
    let members: string[];
    try {
      members = await this.appservice.botClient.getJoinedRoomMembers(roomId);
    } catch {
      members = this.ghosts.openUserIds();
    }
    if (members.includes(botId)) {
      const open = new Set(this.ghosts.openUserIds());
      members = members.filter((u) => open.has(u));
    }
    const ghosts = members.filter((u) => u !== botId && this.appservice.isNamespacedUser(u));
    const withDevice = await Promise.all(ghosts.map(async (u) => ((await this.ghosts.deviceIdOf(u)) === undefined ? undefined : u)));
    return withDevice.filter((u): u is string => u !== undefined);
  }

  /**
   * Hands one device its data. The machine takes it in first, then sends what it needs (new
   * one-time keys, key queries): a homeserver that refuses one of those (e.g. `M_TOO_LARGE`
   * for keys over its limit) must not hold up every later transaction, so a definite refusal is
   * logged and the machine tries again on its next run; an unavailable homeserver is retried.
   */
  private async feed(client: MatrixClient, userId: string, data: DeviceSyncData, lists: { changed: string[]; left: string[] }): Promise<void> {
    try {
      await client.crypto.updateSyncData(
        data.toDevice as never[],
        // null: no counts for this device in the transaction (not "zero keys").
        (data.counts ?? null) as never,
        data.unusedFallbacks as never,
        lists.changed,
        lists.left,
      );
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.log.warn({ userId, err: error }, "a device's requests after new device data were refused");
    }
  }

  private async flushed<T>(work: Promise<T>): Promise<T> {
    const result = await work;
    await flushAll();
    return result;
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
