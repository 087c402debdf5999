import {
  type Appservice,
  type IAppserviceStorageProvider,
  type IStorageProvider,
  MatrixClient,
  RustSdkAppserviceCryptoStorageProvider,
  type RustSdkCryptoStorageProvider,
} from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../../log/createLogger.js";
import { type CrossSigning, machineOf } from "./CrossSigning.js";
import { LeasePool } from "./LeasePool.js";

/** Clients with a ready crypto device, by user: what the outbox encrypts with. */
export interface DeviceClients {
  /** Runs `fn` with `userId`'s own device (created and cross-signed on first need); it stays open meanwhile. */
  use<T>(userId: string, fn: (client: MatrixClient) => Promise<T>): Promise<T>;
}

export interface GhostDevicesOptions {
  appservice: Appservice;
  homeserverUrl: string;
  asToken: string;
  /** Directory of the crypto stores, shared with the bot's (one subdirectory per user). */
  storePath: string;
  crossSigning: CrossSigning;
  idleMs: number;
  maxOpen: number;
  logger: Logger;
}

/**
 * A client that masquerades as one device of one user. matrix-bot-sdk names the device with
 * MSC3202's unstable `org.matrix.msc3202.device_id` parameter only, which current Synapse
 * ignores (it reads the stable `device_id`): without this, requests would run as no device.
 */
class DeviceClient extends MatrixClient {
  deviceId: string | undefined;

  override doRequest(method: string, endpoint: string, qs?: Record<string, unknown> | null, ...rest: unknown[]): Promise<any> {
    const withDevice = this.deviceId === undefined ? qs : { ...(qs ?? {}), device_id: this.deviceId };
    return (super.doRequest as (...args: unknown[]) => Promise<unknown>)(method, endpoint, withDevice, ...rest);
  }
}

/** matrix-bot-sdk's per-user key-value storage (Mirage's kv store underneath). */
export function sdkStorageFor(appservice: Appservice, userId: string): IStorageProvider {
  const storage = (appservice as unknown as { storage: IAppserviceStorageProvider }).storage;
  const forUser = storage.storageForUser?.(userId);
  if (!forUser) throw new Error("the appservice storage keeps no per-user values");
  return forUser;
}

/** Where a ghost's device ID is kept, in matrix-bot-sdk's per-user storage. */
const DEVICE_KEY = "crypto-device";

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

/**
 * Each ghost's own Olm/Megolm device. A device is created through the appservice (an
 * `m.login.application_service` login, whose token is not kept) and used by masquerading
 * (`?user_id=…&device_id=…` with the appservice token). Its crypto store opens on first need
 * and closes after `idleMs` unused; at most `maxOpen` are open at once (least recently used
 * idle ones close first), so thousands of ghosts do not hold thousands of databases.
 */
export class GhostDevices implements DeviceClients {
  private readonly cryptoStorage: RustSdkAppserviceCryptoStorageProvider;
  private readonly pool: LeasePool<DeviceClient>;
  private readonly log: Logger;
  /** Device IDs by ghost (undefined: none), read once from the kv store. */
  private readonly knownDevices = new Map<string, string | undefined>();

  constructor(private readonly options: GhostDevicesOptions) {
    this.cryptoStorage = new RustSdkAppserviceCryptoStorageProvider(options.storePath, 0);
    this.log = options.logger.child({ component: "ghost-devices" });
    this.pool = new LeasePool<DeviceClient>({
      open: (userId) => this.open(userId),
      close: (userId, client) => this.close(userId, client),
      idleMs: options.idleMs,
      maxOpen: options.maxOpen,
      onCloseError: (userId, err) => this.log.warn({ userId, err }, "closing a ghost's crypto store failed"),
    });
  }

  use<T>(userId: string, fn: (client: MatrixClient) => Promise<T>): Promise<T> {
    return this.pool.use(userId, fn);
  }

  /** Like `use`, but only when the ghost's device is open now; undefined otherwise. */
  ifOpen<T>(userId: string, fn: (client: MatrixClient) => Promise<T>): Promise<T | undefined> {
    return this.pool.ifOpen(userId, fn);
  }

  /** The ghost's device ID, if it has one (whether open or not); asked for every ghost a transaction names. */
  async deviceIdOf(userId: string): Promise<string | undefined> {
    if (!this.knownDevices.has(userId)) {
      const stored = await sdkStorageFor(this.options.appservice, userId).readValue(DEVICE_KEY);
      this.knownDevices.set(userId, typeof stored === "string" ? stored : undefined);
    }
    return this.knownDevices.get(userId);
  }

  /** Ghosts whose device is open now. */
  openUserIds(): string[] {
    return this.pool.openKeys();
  }

  /** How many ghost crypto stores are open (or opening, or closing). */
  openCount(): number {
    return this.pool.size;
  }

  closeAll(): Promise<void> {
    return this.pool.closeAll();
  }

  private userStore(userId: string): RustSdkCryptoStorageProvider {
    return this.cryptoStorage.storageForUser(userId) as RustSdkCryptoStorageProvider;
  }

  private async open(userId: string): Promise<DeviceClient> {
    const { appservice, homeserverUrl, asToken } = this.options;
    await appservice.getIntentForUserId(userId).ensureRegistered();
    const store = this.userStore(userId);
    const storage = sdkStorageFor(appservice, userId);
    const client = new DeviceClient(homeserverUrl, asToken, storage, store);
    client.impersonateUserId(userId);
    // The crypto store's own record covers devices set up before Mirage kept its own.
    let deviceId: string | undefined = (await this.deviceIdOf(userId)) ?? (await store.getDeviceId()) ?? undefined;
    if (deviceId !== undefined && !(await this.deviceExists(client, deviceId))) {
      this.log.warn({ userId, deviceId }, "a ghost's device is gone from the homeserver; creating a new one");
      deviceId = undefined;
    }
    deviceId ??= await this.createDevice(client, userId);
    client.deviceId = deviceId;
    client.impersonateUserId(userId, deviceId);
    try {
      await client.crypto.prepare();
      await storage.storeValue(DEVICE_KEY, deviceId);
      this.knownDevices.set(userId, deviceId);
      // Device-list changes that arrived while the store was closed went to other machines only.
      await machineOf(client).markAllTrackedUsersAsDirty();
      await this.options.crossSigning.ensure(client, userId, deviceId, storage);
    } catch (error) {
      // A machine opened by a failed setup must not stay open beside the next attempt's.
      await this.close(userId, client).catch(() => undefined);
      throw error;
    }
    this.log.debug({ userId, deviceId }, "opened a ghost's crypto device");
    return client;
  }

  private async close(userId: string, client: DeviceClient): Promise<void> {
    const crypto = client.crypto as unknown as { engine?: unknown } | undefined;
    if (!crypto?.engine) return;
    await machineOf(client).shutdown();
    this.log.debug({ userId }, "closed a ghost's crypto device");
  }

  private async deviceExists(client: DeviceClient, deviceId: string): Promise<boolean> {
    try {
      await client.doRequest("GET", `/_matrix/client/v3/devices/${encodeURIComponent(deviceId)}`);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** A new device for the ghost, through the appservice login; its access token is not used. */
  private async createDevice(client: DeviceClient, userId: string): Promise<string> {
    const answer = (await client.doRequest("POST", "/_matrix/client/v3/login", null, {
      type: "m.login.application_service",
      identifier: { type: "m.id.user", user: userId },
      initial_device_display_name: "Mirage",
    })) as { device_id?: unknown };
    if (typeof answer?.device_id !== "string") throw new Error("the homeserver's login answer names no device");
    this.log.info({ userId, deviceId: answer.device_id }, "created a ghost's crypto device");
    return answer.device_id;
  }
}
