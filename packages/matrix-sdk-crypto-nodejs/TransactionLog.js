// @ts-check
"use strict";

const { encodeIDBKey } = require("./encodeIDBKey.js");
const { levelKeys } = require("./levelKeys.js");
const { serializeValue } = require("./serializeValue.js");

/**
 * @typedef {import("./SchemaCatalog.js").StoreSchema} StoreSchema
 * @typedef {import("./SchemaCatalog.js").SchemaCatalog} SchemaCatalog
 * @typedef {{ readyState: string, error: unknown, result: unknown }} RequestLike
 * @typedef {{ lower: unknown, upper: unknown, lowerOpen: boolean, upperOpen: boolean }} KeyRangeLike
 *
 * @typedef {{ type: "put", key: string, value: Buffer }} PutOp
 * @typedef {{ type: "del", key: string }} DelOp
 * @typedef {{ type: "range", gt?: string, gte?: string, lt?: string, lte?: string }} RangeOp
 * @typedef {PutOp | DelOp | RangeOp} MirrorOp  keys are latin1 level keys (see levelKeys)
 *
 * @typedef {{ kind: "put", request: RequestLike, store: StoreSchema, value: Buffer }
 *   | { kind: "delete", request: RequestLike, store: StoreSchema, key: string }
 *   | { kind: "deleteRange", request: RequestLike, store: StoreSchema, range: RangeOp }
 *   | { kind: "clear", request: RequestLike | null, store: StoreSchema }} Entry
 *   `clear` without a request is a deleted object store.
 */

const MAX_KEY = 2 ** 53;

/** @param {RequestLike | null} request */
function succeeded(request) {
  return request === null || (request.readyState === "done" && request.error == null);
}

/**
 * @param {StoreSchema} store
 * @returns {RangeOp}
 */
function wholeStore(store) {
  return { type: "range", gte: levelKeys.storePrefix(store.id), lt: levelKeys.storeEnd(store.id) };
}

/**
 * The mutations one IDB transaction asked for, in call order. IDB runs a transaction's
 * requests in that order, so on `complete` the successful ones are exactly its effects.
 */
class TransactionLog {
  /**
   * @param {SchemaCatalog} catalog
   * @param {string} dbName
   * @param {boolean} upgrade a versionchange transaction (its schema is rewritten on commit)
   */
  constructor(catalog, dbName, upgrade) {
    this.catalog = catalog;
    this.dbName = dbName;
    this.upgrade = upgrade;
    /** @type {Entry[]} */
    this.entries = [];
  }

  /** @param {string} storeName */
  store(storeName) {
    return this.catalog.store(this.dbName, storeName);
  }

  /**
   * Called right after the request was issued, so `value` is still what was stored.
   * @param {string} storeName
   * @param {RequestLike} request its result is the record's key
   * @param {unknown} value
   */
  put(storeName, request, value) {
    this.entries.push({ kind: "put", request, store: this.store(storeName), value: serializeValue(value) });
  }

  /**
   * @param {string} storeName
   * @param {RequestLike} request
   * @param {unknown} query a key or an IDBKeyRange
   * @param {boolean} isRange
   */
  delete(storeName, request, query, isRange) {
    const store = this.store(storeName);
    if (!isRange) {
      this.entries.push({ kind: "delete", request, store, key: levelKeys.record(store.id, encodeIDBKey(query)) });
      return;
    }
    const range = /** @type {KeyRangeLike} */ (query);
    /** @type {RangeOp} */
    const op = wholeStore(store);
    if (range.lower !== undefined) {
      delete op.gte;
      op[range.lowerOpen ? "gt" : "gte"] = levelKeys.record(store.id, encodeIDBKey(range.lower));
    }
    if (range.upper !== undefined) {
      delete op.lt;
      op[range.upperOpen ? "lt" : "lte"] = levelKeys.record(store.id, encodeIDBKey(range.upper));
    }
    this.entries.push({ kind: "deleteRange", request, store, range: op });
  }

  /**
   * @param {string} storeName
   * @param {RequestLike} request
   */
  clear(storeName, request) {
    this.entries.push({ kind: "clear", request, store: this.store(storeName) });
  }

  /**
   * Records a deleted object store (a versionchange transaction has already removed it from the catalog).
   * @param {StoreSchema} store
   */
  dropStore(store) {
    this.entries.push({ kind: "clear", request: null, store });
  }

  /**
   * The level operations of the committed transaction, in order; advances key generators.
   * @param {number} version the connection's version once committed (used for upgrades)
   * @returns {MirrorOp[]}
   */
  commit(version) {
    /** @type {MirrorOp[]} */
    const ops = [];
    let schemaChanged = this.upgrade;
    for (const entry of this.entries) {
      if (!succeeded(entry.request)) continue;
      switch (entry.kind) {
        case "put": {
          const key = entry.request.result;
          ops.push({ type: "put", key: levelKeys.record(entry.store.id, encodeIDBKey(key)), value: entry.value });
          if (entry.store.autoIncrement && typeof key === "number") {
            const next = Math.floor(Math.min(key, MAX_KEY));
            if (next > entry.store.keyGenerator) {
              entry.store.keyGenerator = next;
              schemaChanged = true;
            }
          }
          break;
        }
        case "delete":
          ops.push({ type: "del", key: entry.key });
          break;
        case "deleteRange":
          ops.push(entry.range);
          break;
        case "clear":
          ops.push(wholeStore(entry.store));
          break;
      }
    }
    if (schemaChanged) {
      const db = this.catalog.database(this.dbName);
      if (this.upgrade) db.version = version;
      ops.push({ type: "put", key: levelKeys.schema(this.dbName), value: serializeValue(db) });
    }
    return ops;
  }
}

module.exports = { TransactionLog };
