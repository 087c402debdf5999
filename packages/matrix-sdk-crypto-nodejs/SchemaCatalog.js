// @ts-check
"use strict";

/**
 * @typedef {string | string[] | null} KeyPath
 * @typedef {{ keyPath: string | string[], unique: boolean, multiEntry: boolean }} IndexSchema
 * @typedef {{ id: number, keyPath: KeyPath, autoIncrement: boolean, keyGenerator: number, indexes: Map<string, IndexSchema> }} StoreSchema
 *   keyGenerator: the generator's current number (the last key it produced or was bumped to).
 * @typedef {{ name: string, version: number, stores: Map<string, StoreSchema> }} DatabaseSchema
 */

/**
 * The committed-or-upgrading schema of every database of one factory, as mirrored to level.
 * Each object store has an id that never changes (renames keep it) and is never reused
 * while records under it may exist, so level records are keyed by id, not by name.
 */
class SchemaCatalog {
  /**
   * @param {Map<string, DatabaseSchema>} databases
   * @param {number} maxStoreIdInUse the highest store id any level record carries
   */
  constructor(databases, maxStoreIdInUse) {
    this.databases = databases;
    let maxId = maxStoreIdInUse;
    for (const db of databases.values()) for (const store of db.stores.values()) maxId = Math.max(maxId, store.id);
    this.nextStoreId = maxId + 1;
  }

  /**
   * Called when a versionchange transaction starts; the result undoes it on abort.
   * @param {string} name
   * @returns {() => void}
   */
  beginUpgrade(name) {
    const before = this.databases.get(name);
    if (before === undefined) {
      this.databases.set(name, { name, version: 0, stores: new Map() });
      return () => this.databases.delete(name);
    }
    const backup = structuredClone(before);
    return () => this.databases.set(name, backup);
  }

  /** @param {string} name */
  database(name) {
    const db = this.databases.get(name);
    if (db === undefined) throw new Error(`Mirror has no schema for IndexedDB database "${name}"`);
    return db;
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   */
  store(dbName, storeName) {
    const store = this.database(dbName).stores.get(storeName);
    if (store === undefined) throw new Error(`Mirror has no schema for object store "${storeName}" of "${dbName}"`);
    return store;
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   * @param {KeyPath} keyPath
   * @param {boolean} autoIncrement
   */
  createStore(dbName, storeName, keyPath, autoIncrement) {
    /** @type {StoreSchema} */
    const store = { id: this.nextStoreId++, keyPath, autoIncrement, keyGenerator: 0, indexes: new Map() };
    this.database(dbName).stores.set(storeName, store);
    return store;
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   */
  deleteStore(dbName, storeName) {
    const store = this.store(dbName, storeName);
    this.database(dbName).stores.delete(storeName);
    return store;
  }

  /**
   * @param {string} dbName
   * @param {string} from
   * @param {string} to
   */
  renameStore(dbName, from, to) {
    const stores = this.database(dbName).stores;
    stores.set(to, this.store(dbName, from));
    stores.delete(from);
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   * @param {string} indexName
   * @param {IndexSchema} index
   */
  createIndex(dbName, storeName, indexName, index) {
    this.store(dbName, storeName).indexes.set(indexName, index);
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   * @param {string} indexName
   */
  deleteIndex(dbName, storeName, indexName) {
    this.store(dbName, storeName).indexes.delete(indexName);
  }

  /**
   * @param {string} dbName
   * @param {string} storeName
   * @param {string} from
   * @param {string} to
   */
  renameIndex(dbName, storeName, from, to) {
    const indexes = this.store(dbName, storeName).indexes;
    const index = indexes.get(from);
    if (index === undefined) throw new Error(`Mirror has no schema for index "${from}" of "${storeName}"`);
    indexes.set(to, index);
    indexes.delete(from);
  }

  /**
   * @param {string} name
   * @returns {DatabaseSchema | undefined}
   */
  dropDatabase(name) {
    const db = this.databases.get(name);
    this.databases.delete(name);
    return db;
  }
}

module.exports = { SchemaCatalog };
