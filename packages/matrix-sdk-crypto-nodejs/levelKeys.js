// @ts-check
"use strict";

const { encodeIDBKey } = require("./encodeIDBKey.js");
const { decodeIDBKey } = require("./decodeIDBKey.js");

/**
 * Layout of the mirror's level database. Keys are latin1 strings here (one char per byte)
 * and Buffers in level, so string comparison equals level's byte order.
 *
 *   "\x00format"                     → format version
 *   "\x01" + key(database name)      → v8-serialized DatabaseSchema
 *   "\x02" + u32 storeId + key(k)    → v8-serialized value of record k
 */
const FORMAT = "\x00format";
const SCHEMA = "\x01";
const RECORD = "\x02";
const RECORD_END = "\x03";

/** @param {number} id */
function u32(id) {
  return String.fromCharCode((id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
}

const levelKeys = {
  FORMAT,
  SCHEMA,
  SCHEMA_END: RECORD,
  RECORD,
  RECORD_END,

  /** @param {string} name */
  schema: (name) => SCHEMA + encodeIDBKey(name),

  /** @param {number} storeId */
  storePrefix: (storeId) => RECORD + u32(storeId),

  /** Exclusive upper bound of a store's records. @param {number} storeId */
  storeEnd: (storeId) => RECORD + u32(storeId + 1),

  /**
   * @param {number} storeId
   * @param {string} encodedKey from encodeIDBKey
   */
  record: (storeId, encodedKey) => RECORD + u32(storeId) + encodedKey,

  /** @param {string} levelKey a record key */
  recordStoreId: (levelKey) =>
    ((levelKey.charCodeAt(1) << 24) >>> 0) + (levelKey.charCodeAt(2) << 16) + (levelKey.charCodeAt(3) << 8) + levelKey.charCodeAt(4),

  /** @param {string} levelKey a record key */
  recordKey: (levelKey) => decodeIDBKey(levelKey, 5),
};

module.exports = { levelKeys };
