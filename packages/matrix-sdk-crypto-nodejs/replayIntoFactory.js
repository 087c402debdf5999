// @ts-check
"use strict";

const { levelKeys } = require("./levelKeys.js");
const { deserializeValue } = require("./serializeValue.js");

/**
 * @typedef {import("./SchemaCatalog.js").DatabaseSchema} DatabaseSchema
 * @typedef {import("./SchemaCatalog.js").StoreSchema} StoreSchema
 * @typedef {import("./LevelMirror.js").BinaryLevel} BinaryLevel
 * @typedef {{ databases: Map<string, DatabaseSchema>, maxStoreId: number, records: number }} Replayed
 */

/**
 * Sets a generated key into a value whose in-line key path is missing, as IndexedDB did when
 * it generated the key (the mirror keeps the value as it was given).
 * @param {unknown} value
 * @param {string} keyPath
 * @param {unknown} key
 */
function injectKeyIfMissing(value, keyPath, key) {
  const parts = keyPath.split(".");
  /** @type {any} */
  let object = value;
  for (const [i, part] of parts.entries()) {
    if (typeof object !== "object" || object === null) return;
    if (i === parts.length - 1) {
      if (!Object.hasOwn(object, part)) {
        Object.defineProperty(object, part, { value: key, writable: true, enumerable: true, configurable: true });
      }
      return;
    }
    if (!Object.hasOwn(object, part)) {
      Object.defineProperty(object, part, { value: {}, writable: true, enumerable: true, configurable: true });
    }
    object = object[part];
  }
}

/**
 * Recreates one database: schema and records in a single versionchange transaction, then
 * bumps each key generator to its mirrored number.
 * @param {any} factory
 * @param {DatabaseSchema} schema
 * @param {Map<number, Array<[string, Buffer]>>} recordsByStore
 * @returns {Promise<void>}
 */
function replayDatabase(factory, schema, recordsByStore) {
  return new Promise((resolve, reject) => {
    const request = factory.open(schema.name, schema.version);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const [storeName, store] of schema.stores) {
        const objectStore = db.createObjectStore(storeName, { keyPath: store.keyPath, autoIncrement: store.autoIncrement });
        for (const [indexName, index] of store.indexes) {
          objectStore.createIndex(indexName, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry });
        }
        let maxNumericKey = 0;
        for (const [levelKey, bytes] of recordsByStore.get(store.id) ?? []) {
          const key = levelKeys.recordKey(levelKey);
          const value = deserializeValue(bytes);
          if (typeof key === "number") maxNumericKey = Math.max(maxNumericKey, key);
          if (store.keyPath === null) {
            objectStore.put(value, key);
          } else {
            if (store.autoIncrement && typeof store.keyPath === "string") injectKeyIfMissing(value, store.keyPath, key);
            objectStore.put(value);
          }
        }
        if (store.autoIncrement && store.keyGenerator > Math.floor(maxNumericKey)) {
          // An explicit numeric key moves the generator; the placeholder record goes again at once.
          const n = store.keyGenerator;
          if (store.keyPath === null) objectStore.put(null, n);
          else {
            const placeholder = {};
            injectKeyIfMissing(placeholder, String(store.keyPath), n);
            objectStore.put(placeholder);
          }
          objectStore.delete(n);
        }
      }
    };
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    request.onerror = () => reject(request.error ?? new Error(`Replaying IndexedDB database "${schema.name}" failed`));
    request.onblocked = () => reject(new Error(`Replaying IndexedDB database "${schema.name}" was blocked`));
  });
}

/**
 * Loads every mirrored database from level into `factory` (which must not be mirrored yet,
 * so nothing is written back).
 * @param {BinaryLevel} level
 * @param {object} factory a fresh FDBFactory
 * @returns {Promise<Replayed>}
 */
async function replayIntoFactory(level, factory) {
  /** @type {Map<string, DatabaseSchema>} */
  const databases = new Map();
  for await (const [, bytes] of level.iterator({ gte: Buffer.from(levelKeys.SCHEMA, "latin1"), lt: Buffer.from(levelKeys.SCHEMA_END, "latin1") })) {
    const schema = /** @type {DatabaseSchema} */ (deserializeValue(bytes));
    databases.set(schema.name, schema);
  }

  /** @type {Map<number, Array<[string, Buffer]>>} */
  const recordsByStore = new Map();
  let maxStoreId = 0;
  let records = 0;
  for await (const [key, bytes] of level.iterator({ gte: Buffer.from(levelKeys.RECORD, "latin1"), lt: Buffer.from(levelKeys.RECORD_END, "latin1") })) {
    const levelKey = key.toString("latin1");
    const storeId = levelKeys.recordStoreId(levelKey);
    maxStoreId = Math.max(maxStoreId, storeId);
    let list = recordsByStore.get(storeId);
    if (list === undefined) recordsByStore.set(storeId, (list = []));
    list.push([levelKey, bytes]);
    records++;
  }

  for (const schema of databases.values()) await replayDatabase(factory, schema, recordsByStore);
  return { databases, maxStoreId, records };
}

module.exports = { replayIntoFactory };
