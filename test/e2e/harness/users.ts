import { createHmac, randomBytes } from 'node:crypto';
import {
  ClientEvent,
  createClient as createSdkClient,
  type MatrixClient,
  type MatrixEvent,
  MatrixEventEvent,
  type Room,
  RoomEvent,
  SyncState,
} from 'matrix-js-sdk';
import { requestJson } from './http.js';
import { quietLogger, quietSdkGlobalLogger } from './quietLogger.js';
import type { SynapseEndpoint } from './synapse.js';

/** A homeserver account with a logged-in device. */
export interface TestUser {
  userId: string;
  accessToken: string;
  deviceId: string;
  password: string;
}

/** A localpart no earlier run has used, so tests also work against a long-lived external homeserver. */
export function uniqueLocalpart(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Creates a user with Synapse's shared-secret registration admin API (no rate limit, no UIA). */
export async function registerUser(
  synapse: SynapseEndpoint,
  localpart: string,
  password: string = randomBytes(12).toString('hex'),
  options: { admin?: boolean } = {},
): Promise<TestUser> {
  const endpoint = `${synapse.url}/_synapse/admin/v1/register`;
  const { nonce } = await requestJson<{ nonce: string }>(endpoint);
  const admin = options.admin ?? false;
  const mac = createHmac('sha1', synapse.sharedSecret)
    .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  const registered = await requestJson<{ user_id: string; access_token: string; device_id: string }>(endpoint, {
    body: { nonce, username: localpart, password, admin, mac },
  });
  return {
    userId: registered.user_id,
    accessToken: registered.access_token,
    deviceId: registered.device_id,
    password,
  };
}

export interface CreateClientOptions {
  /** End-to-end encryption through the SDK's Rust crypto (in-memory store). Default: false. */
  crypto?: boolean;
  /** How long to wait for the first sync. Default: 30 s. */
  syncTimeoutMs?: number;
}

function waitForPrepared(client: MatrixClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(ClientEvent.Sync, onSync);
      reject(new Error(`${client.getUserId()}: no PREPARED sync within ${timeoutMs} ms`));
    }, timeoutMs);
    const onSync = (state: SyncState): void => {
      if (state !== SyncState.Prepared && state !== SyncState.Error) return;
      clearTimeout(timer);
      client.off(ClientEvent.Sync, onSync);
      if (state === SyncState.Prepared) resolve();
      else reject(new Error(`${client.getUserId()}: sync failed: ${client.getSyncStateData()?.error?.message}`));
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

/** A matrix-js-sdk client for `user`, started and past its first sync. Stop it with {@link stopClient}. */
export async function createClient(
  synapse: SynapseEndpoint,
  user: TestUser,
  options: CreateClientOptions = {},
): Promise<MatrixClient> {
  quietSdkGlobalLogger();
  const client = createSdkClient({
    baseUrl: synapse.url,
    userId: user.userId,
    accessToken: user.accessToken,
    deviceId: user.deviceId,
    logger: quietLogger(`[${user.userId}]`),
  });
  if (options.crypto === true) await client.initRustCrypto({ useIndexedDB: false });
  const prepared = waitForPrepared(client, options.syncTimeoutMs ?? 30_000);
  await client.startClient({ initialSyncLimit: 10 });
  try {
    await prepared;
  } catch (error) {
    client.stopClient();
    throw error;
  }
  return client;
}

export function stopClient(client: MatrixClient): void {
  client.stopClient();
  client.removeAllListeners();
}

/**
 * Resolves with the first event in `roomId`'s live timeline that matches, whether it is already
 * there or arrives later. Encrypted events are tested again once decrypted.
 */
export function waitForEvent(
  client: MatrixClient,
  roomId: string,
  predicate: (event: MatrixEvent) => boolean,
  timeoutMs = 15_000,
): Promise<MatrixEvent> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off(RoomEvent.Timeline, onTimeline);
      client.off(MatrixEventEvent.Decrypted, onEvent);
    };
    const onEvent = (event: MatrixEvent): void => {
      if (event.getRoomId() !== roomId || !predicate(event)) return;
      cleanup();
      resolve(event);
    };
    const onTimeline = (event: MatrixEvent, room: Room | undefined): void => {
      if (room?.roomId === roomId) onEvent(event);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${client.getUserId()}: no matching event in ${roomId} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on(RoomEvent.Timeline, onTimeline);
    client.on(MatrixEventEvent.Decrypted, onEvent);
    const present = client.getRoom(roomId)?.getLiveTimeline().getEvents().find(predicate);
    if (present !== undefined) {
      cleanup();
      resolve(present);
    }
  });
}
