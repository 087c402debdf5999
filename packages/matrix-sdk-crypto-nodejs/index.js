// @ts-check
"use strict";
/**
 * The `@matrix-org/matrix-sdk-crypto-nodejs` API that matrix-bot-sdk uses, implemented on
 * `@matrix-org/matrix-sdk-crypto-wasm` (the same Rust crypto, installable from the registry).
 * Machine state lives in a durable IndexedDB mirrored into a level database at `storePath`.
 */
const wasm = require("@matrix-org/matrix-sdk-crypto-wasm");
const { openDurableIndexedDB, installIndexedDBGlobals } = require("./durableIndexedDB.js");

/** Name of the IndexedDB store inside each durable database. */
const STORE_NAME = "mirage-crypto";

/** @type {{ passphrase: string }} */
const settings = { passphrase: "" };

/** Open durable databases by store path: a path is opened once per process. */
/** @type {Map<string, Promise<import("./durableIndexedDB.js").DurableIndexedDB>>} */
const stores = new Map();
let globalsInstalled = false;

/** Initializations swap the global `indexedDB` the Rust store opens; one at a time. */
let initQueue = Promise.resolve();
/** @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
function serialized(fn) {
  const run = initQueue.then(fn, fn);
  initQueue = run.then(() => undefined, () => undefined);
  return run;
}

/**
 * Sets the passphrase that protects every crypto store (matrix-bot-sdk passes an empty one).
 * @param {{ passphrase?: string }} options
 */
function configure(options) {
  if (typeof options.passphrase === "string") settings.passphrase = options.passphrase;
}

/** Resolves when the state of every open machine is durable on disk. */
async function flushAll() {
  await Promise.all([...stores.values()].map(async (store) => (await store).flush()));
}

/** How many durable stores are open (one per machine in use). */
function openStoreCount() {
  return stores.size;
}

/** Closes every durable store (after the machines using them are closed). */
async function closeAll() {
  const open = [...stores.values()];
  stores.clear();
  await Promise.all(open.map(async (store) => (await store).close()));
}

/** @param {string} storePath */
function storeAt(storePath) {
  let store = stores.get(storePath);
  if (!store) {
    store = openDurableIndexedDB(storePath);
    stores.set(storePath, store);
    store.catch(() => stores.delete(storePath));
  }
  return store;
}

/**
 * wasm-bindgen takes ownership of class instances passed in arrays (they are freed after
 * the call); matrix-bot-sdk reuses its arrays across calls, as the nodejs bindings allowed.
 * @param {Array<InstanceType<typeof wasm.UserId>>} users
 */
function freshUsers(users) {
  return users.map((user) => new wasm.UserId(user.toString()));
}

/** @param {InstanceType<typeof wasm.RoomId>} roomId */
function freshRoom(roomId) {
  return new wasm.RoomId(roomId.toString());
}

/** @param {any} request */
function adaptRequest(request) {
  if (request instanceof wasm.ToDeviceRequest) return adaptToDeviceRequest(request);
  return request;
}

/** matrix-bot-sdk reads `eventType` / `txnId` where the wasm bindings say `event_type` / `txn_id`. */
/** @param {InstanceType<typeof wasm.ToDeviceRequest>} request */
function adaptToDeviceRequest(request) {
  return {
    id: request.id,
    type: wasm.RequestType.ToDevice,
    eventType: request.event_type,
    txnId: request.txn_id,
    body: request.body,
  };
}

/** matrix-bot-sdk's encryption settings: a plain holder converted at use. */
class EncryptionSettings {
  constructor() {
    /** @type {number | undefined} */
    this.algorithm = wasm.EncryptionAlgorithm.MegolmV1AesSha2;
    /** @type {number} */
    this.historyVisibility = wasm.HistoryVisibility.Shared;
    /** @type {bigint} */
    this.rotationPeriod = 604800000000n;
    /** @type {bigint} */
    this.rotationPeriodMessages = 100n;
  }

  toWasm() {
    const out = new wasm.EncryptionSettings();
    out.algorithm = this.algorithm ?? wasm.EncryptionAlgorithm.MegolmV1AesSha2;
    out.historyVisibility = this.historyVisibility;
    out.rotationPeriod = this.rotationPeriod;
    out.rotationPeriodMessages = this.rotationPeriodMessages;
    return out;
  }
}

/** One device's crypto state machine, with the nodejs bindings' method shapes. */
class OlmMachine {
  /**
   * @param {InstanceType<typeof wasm.OlmMachine>} inner
   * @param {import("./durableIndexedDB.js").DurableIndexedDB} store
   * @param {string} storePath
   */
  constructor(inner, store, storePath) {
    this.inner = inner;
    this.store = store;
    this.storePath = storePath;
  }

  /**
   * @param {InstanceType<typeof wasm.UserId>} userId
   * @param {InstanceType<typeof wasm.DeviceId>} deviceId
   * @param {string} storePath directory of this device's durable store
   * @param {string} [passphrase] used when none was configured
   * @param {number} [_storeType] ignored: there is one store kind
   */
  static initialize(userId, deviceId, storePath, passphrase, _storeType) {
    if (typeof storePath !== "string" || storePath === "") {
      return Promise.reject(new Error("OlmMachine.initialize needs a store path: an in-memory machine would lose the device on restart"));
    }
    return serialized(async () => {
      const store = await storeAt(storePath);
      if (!globalsInstalled) {
        installIndexedDBGlobals(store);
        globalsInstalled = true;
      }
      // The Rust store opens its databases from the global factory during initialize only.
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (globalThis)).indexedDB = store.indexedDB;
      const inner = await wasm.OlmMachine.initialize(userId, deviceId, STORE_NAME, settings.passphrase || passphrase || "");
      await store.flush();
      return new OlmMachine(inner, store, storePath);
    });
  }

  get userId() {
    return this.inner.userId;
  }

  get deviceId() {
    return this.inner.deviceId;
  }

  get identityKeys() {
    return this.inner.identityKeys;
  }

  /** Resolves when this machine's state is durable on disk. */
  flush() {
    return this.store.flush();
  }

  /** Requests to send; whatever the machine generated for them (new one-time keys, …) is on disk first. */
  async outgoingRequests() {
    const requests = (await this.inner.outgoingRequests()).map(adaptRequest);
    await this.store.flush();
    return requests;
  }

  /** @param {string} requestId @param {number} requestType @param {string} response */
  markRequestAsSent(requestId, requestType, response) {
    return this.inner.markRequestAsSent(requestId, requestType, response);
  }

  /**
   * @param {string} toDeviceEvents JSON array of to-device events
   * @param {InstanceType<typeof wasm.DeviceLists>} changedDevices
   * @param {Record<string, number> | null | undefined} oneTimeKeyCounts the server's counts for this device
   *   (an algorithm left out has zero keys, as in /sync); null or undefined when the caller has none (an
   *   appservice transaction reports only some devices): the machine's own count then stands
   * @param {string[]} [unusedFallbackKeys]
   * @returns {Promise<string>} JSON `[decryptedToDeviceEvents, roomKeyChanges]`, as the nodejs bindings return
   */
  async receiveSyncChanges(toDeviceEvents, changedDevices, oneTimeKeyCounts, unusedFallbackKeys) {
    const fallbacks = Array.isArray(unusedFallbackKeys) ? new Set(unusedFallbackKeys) : undefined;
    const processed =
      oneTimeKeyCounts === null || oneTimeKeyCounts === undefined
        ? // "A missing entry means unchanged": no counts, no needless upload of more keys.
          await this.inner.receiveSyncChangesMsc4186(toDeviceEvents, changedDevices, new Map(), fallbacks)
        : await this.inner.receiveSyncChanges(
            toDeviceEvents,
            changedDevices,
            new Map(Object.entries(oneTimeKeyCounts).map(([k, v]) => [k, Number(v)])),
            fallbacks,
          );
    const events = [];
    for (const event of processed) {
      if (event.type === wasm.ProcessedToDeviceEventType.Decrypted || event.type === wasm.ProcessedToDeviceEventType.PlainText) {
        events.push(JSON.parse(event.rawEvent));
      }
    }
    return JSON.stringify([events, []]);
  }

  /** @param {InstanceType<typeof wasm.UserId>[]} users */
  updateTrackedUsers(users) {
    return this.inner.updateTrackedUsers(freshUsers(users));
  }

  /** @param {InstanceType<typeof wasm.UserId>[]} users */
  async getMissingSessions(users) {
    const request = await this.inner.getMissingSessions(freshUsers(users));
    await this.store.flush();
    return request;
  }

  /**
   * @param {InstanceType<typeof wasm.RoomId>} roomId
   * @param {InstanceType<typeof wasm.UserId>[]} users
   * @param {EncryptionSettings} encryptionSettings
   */
  async shareRoomKey(roomId, users, encryptionSettings) {
    const requests = await this.inner.shareRoomKey(freshRoom(roomId), freshUsers(users), encryptionSettings.toWasm());
    // A new outbound session must be on disk before its key leaves in to-device messages.
    await this.store.flush();
    return requests.map(adaptToDeviceRequest);
  }

  /** @param {InstanceType<typeof wasm.RoomId>} roomId @param {string} eventType @param {string} content */
  async encryptRoomEvent(roomId, eventType, content) {
    const encrypted = await this.inner.encryptRoomEvent(freshRoom(roomId), eventType, content);
    // The ratchet position must be on disk before the ciphertext leaves.
    await this.store.flush();
    return encrypted;
  }

  /** @param {string} event @param {InstanceType<typeof wasm.RoomId>} roomId */
  decryptRoomEvent(event, roomId) {
    return this.inner.decryptRoomEvent(event, freshRoom(roomId), new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted));
  }

  /**
   * Signs a canonical-JSON message. The nodejs bindings return signatures as plain records
   * of `{ isValid, signature }`; the wasm ones as a Map of objects with methods.
   * @param {string} message
   */
  async sign(message) {
    const signatures = await this.inner.sign(message);
    return {
      /** @param {InstanceType<typeof wasm.UserId>} userId */
      get(userId) {
        const byKey = signatures.get(userId);
        /** @type {Record<string, { isValid: boolean, signature: { toBase64(): string } | undefined }>} */
        const out = {};
        for (const [key, maybe] of byKey ?? []) {
          const signature = maybe.signature;
          out[key] = { isValid: maybe.isValid(), signature: signature ? { toBase64: () => signature.toBase64() } : undefined };
        }
        return out;
      },
    };
  }

  /** @param {string} publicKey @param {string} version */
  enableBackupV1(publicKey, version) {
    return this.inner.enableBackupV1(publicKey, version);
  }

  disableBackup() {
    return this.inner.disableBackup();
  }

  async backupRoomKeys() {
    return this.inner.backupRoomKeys();
  }

  /** @param {string} roomId @param {string} sessionId */
  exportRoomKeysForSession(roomId, sessionId) {
    return this.inner.exportRoomKeys((session) => session.roomId.toString() === roomId && session.sessionId === sessionId);
  }

  /** Which private cross-signing keys this machine holds. */
  async crossSigningStatus() {
    const status = await this.inner.crossSigningStatus();
    return { hasMaster: status.hasMaster, hasSelfSigning: status.hasSelfSigning, hasUserSigning: status.hasUserSigning };
  }

  /**
   * The requests that publish this machine's cross-signing identity (created when it has none,
   * or when `reset`) and sign its own device with it. The private keys are on disk before the
   * public ones leave.
   * @param {boolean} reset
   */
  async bootstrapCrossSigning(reset) {
    const requests = await this.inner.bootstrapCrossSigning(reset);
    await this.store.flush();
    const keys = requests.uploadKeysRequest;
    return {
      uploadKeysRequest: keys ? { id: keys.id, type: keys.type, body: keys.body } : undefined,
      uploadSigningKeysBody: requests.uploadSigningKeysRequest.body,
      uploadSignaturesBody: requests.uploadSignaturesRequest.body,
    };
  }

  /** Marks every tracked user's device list as outdated (e.g. after device-list changes were missed). */
  markAllTrackedUsersAsDirty() {
    return this.inner.markAllTrackedUsersAsDirty();
  }

  close() {
    this.inner.close();
  }

  /** Closes the machine, then writes out and closes its durable store; a later initialize opens it again. */
  async shutdown() {
    this.inner.close();
    stores.delete(this.storePath);
    await this.store.close();
  }
}

// One assignment per name, so Node's ES-module interop can see every export.
exports.available = true;
exports.configure = configure;
exports.flushAll = flushAll;
exports.closeAll = closeAll;
exports.openStoreCount = openStoreCount;
exports.OlmMachine = OlmMachine;
exports.EncryptionSettings = EncryptionSettings;
exports.UserId = wasm.UserId;
exports.DeviceId = wasm.DeviceId;
exports.RoomId = wasm.RoomId;
exports.DeviceLists = wasm.DeviceLists;
exports.Attachment = wasm.Attachment;
exports.EncryptedAttachment = wasm.EncryptedAttachment;
exports.EncryptionAlgorithm = wasm.EncryptionAlgorithm;
exports.HistoryVisibility = wasm.HistoryVisibility;
exports.RequestType = wasm.RequestType;
exports.StoreType = Object.freeze({ Sled: 0, Sqlite: 1 });
