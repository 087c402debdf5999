// @ts-check
"use strict";

const { Level } = require("level");
// The package entry loads its circularly dependent modules in a working order.
const {
  IDBCursor: FDBCursor,
  IDBCursorWithValue: FDBCursorWithValue,
  IDBDatabase: FDBDatabase,
  IDBFactory: FDBFactory,
  IDBIndex: FDBIndex,
  IDBKeyRange: FDBKeyRange,
  IDBObjectStore: FDBObjectStore,
  IDBOpenDBRequest: FDBOpenDBRequest,
  IDBRequest: FDBRequest,
  IDBTransaction: FDBTransaction,
  IDBVersionChangeEvent: FDBVersionChangeEvent,
} = require("fake-indexeddb");
const { LevelMirror } = require("./LevelMirror.js");
const { levelKeys } = require("./levelKeys.js");
const { mirrorFactory } = require("./mirrorFactory.js");
const { replayIntoFactory } = require("./replayIntoFactory.js");
const { SchemaCatalog } = require("./SchemaCatalog.js");

const FORMAT_VERSION = 1;

/**
 * @typedef {import("./LevelMirror.js").BinaryLevel} BinaryLevel
 * @typedef {import("./durableIndexedDB.js").DurableIndexedDB} DurableIndexedDB
 * @typedef {import("./durableIndexedDB.js").DurableIndexedDBOptions} DurableIndexedDBOptions
 */

/** @param {BinaryLevel} level */
async function checkFormat(level) {
  const formatKey = Buffer.from(levelKeys.FORMAT, "latin1");
  const stored = await level.get(formatKey);
  if (stored === undefined) {
    for await (const key of level.keys({ limit: 1 })) {
      throw new Error(`Not a durable IndexedDB database (found key ${key.toString("hex")} but no format marker)`);
    }
    await level.put(formatKey, Buffer.from([FORMAT_VERSION]), { sync: true });
    return;
  }
  if (stored.length !== 1 || stored[0] !== FORMAT_VERSION) {
    throw new Error(`Unsupported durable IndexedDB format ${stored.toString("hex")} (expected ${FORMAT_VERSION})`);
  }
}

/**
 * @param {string} dir
 * @param {DurableIndexedDBOptions} [options]
 * @returns {Promise<DurableIndexedDB>}
 */
async function openDurableIndexedDB(dir, options = {}) {
  /** @type {BinaryLevel} */
  const level = new Level(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
  await level.open();
  try {
    await checkFormat(level);
    const factory = new FDBFactory();
    const started = performance.now();
    const replayed = await replayIntoFactory(level, factory);
    const replay = { databases: replayed.databases.size, records: replayed.records, ms: performance.now() - started };
    const mirror = new LevelMirror(level, options);
    mirrorFactory(factory, new SchemaCatalog(replayed.databases, replayed.maxStoreId), mirror);
    return {
      indexedDB: /** @type {any} */ (factory),
      IDBKeyRange: /** @type {any} */ (FDBKeyRange),
      replay,
      get written() {
        return { ...mirror.stats };
      },
      flush: () => mirror.flush(),
      close: () => mirror.close(),
    };
  } catch (error) {
    await level.close();
    throw error;
  }
}

/**
 * @param {DurableIndexedDB} db
 * @returns {() => void}
 */
function installIndexedDBGlobals(db) {
  /** @type {Record<string, unknown>} */
  const values = {
    indexedDB: db.indexedDB,
    IDBFactory: FDBFactory,
    IDBKeyRange: db.IDBKeyRange,
    IDBDatabase: FDBDatabase,
    IDBTransaction: FDBTransaction,
    IDBObjectStore: FDBObjectStore,
    IDBIndex: FDBIndex,
    IDBCursor: FDBCursor,
    IDBCursorWithValue: FDBCursorWithValue,
    IDBRequest: FDBRequest,
    IDBOpenDBRequest: FDBOpenDBRequest,
    IDBVersionChangeEvent: FDBVersionChangeEvent,
  };
  const previous = Object.keys(values).map((name) => /** @type {const} */ ([name, Object.getOwnPropertyDescriptor(globalThis, name)]));
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return () => {
    for (const [name, descriptor] of previous) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (/** @type {any} */ (globalThis))[name];
    }
  };
}

module.exports = { openDurableIndexedDB, installIndexedDBGlobals };
