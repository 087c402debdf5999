// @ts-check
"use strict";

const {
  IDBCursor: FDBCursor,
  IDBDatabase: FDBDatabase,
  IDBFactory: FDBFactory,
  IDBIndex: FDBIndex,
  IDBKeyRange: FDBKeyRange,
  IDBObjectStore: FDBObjectStore,
} = require("fake-indexeddb");
const { levelKeys } = require("./levelKeys.js");
const { TransactionLog } = require("./TransactionLog.js");

/**
 * @typedef {import("./SchemaCatalog.js").SchemaCatalog} SchemaCatalog
 * @typedef {import("./LevelMirror.js").LevelMirror} LevelMirror
 * @typedef {{ catalog: SchemaCatalog, mirror: LevelMirror }} Target
 * @typedef {(...args: any[]) => any} AnyFunction
 */

// Which factory (and so which level mirror) a connection, and a transaction, belongs to.
// Objects of factories that are not mirrored (e.g. the one being replayed into) are in neither map.
/** @type {WeakMap<object, Target>} */
const factories = new WeakMap();
/** @type {WeakMap<object, Target>} */
const connections = new WeakMap();
/** @type {WeakMap<object, TransactionLog>} */
const logs = new WeakMap();
/** @type {WeakMap<object, any>} a connection's versionchange transaction */
const upgrades = new WeakMap();

// Per module instance: a second copy of this module wraps the wrappers and serves its own factories.
let installed = false;

/**
 * Runs `fn`, sending anything it throws to the mirror: a mirror that cannot record a change
 * must not let IndexedDB carry on as if it were durable.
 * @param {LevelMirror} mirror
 * @param {() => void} fn
 */
function guarded(mirror, fn) {
  try {
    fn();
  } catch (error) {
    mirror.fail(asError(error));
  }
}

/** @param {unknown} error */
function asError(error) {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Records a change made through `transaction`. If it cannot be recorded, the transaction is
 * aborted (so memory and level stay equal) and the error is thrown to the caller.
 * @param {any} transaction
 * @param {(log: TransactionLog) => void} fn
 */
function record(transaction, fn) {
  const log = transaction && logs.get(transaction);
  if (!log) return;
  try {
    fn(log);
  } catch (error) {
    try {
      transaction.abort();
    } catch {
      // Unreachable in practice: the call just succeeded, so the transaction is active.
    }
    throw error;
  }
}

/**
 * @param {Target} target
 * @param {any} transaction
 * @param {TransactionLog} log
 * @param {(() => void) | null} revert
 */
function track(target, transaction, log, revert) {
  logs.set(transaction, log);
  transaction.addEventListener("complete", () =>
    guarded(target.mirror, () => target.mirror.enqueue(log.commit(transaction.db.version))),
  );
  if (revert) transaction.addEventListener("abort", () => guarded(target.mirror, revert));
}

/**
 * @param {object} proto
 * @param {string} name
 * @param {(original: AnyFunction) => AnyFunction} wrap
 */
function wrapMethod(proto, name, wrap) {
  const original = /** @type {any} */ (proto)[name];
  Object.defineProperty(proto, name, { value: wrap(original), writable: true, configurable: true, enumerable: false });
}

/**
 * @param {object} proto
 * @param {(this: any, previous: string) => void} after called after a successful rename
 */
function wrapNameSetter(proto, after) {
  const descriptor = Object.getOwnPropertyDescriptor(proto, "name");
  if (!descriptor?.get || !descriptor.set) throw new Error("fake-indexeddb: expected a name accessor");
  const { get, set } = descriptor;
  Object.defineProperty(proto, "name", {
    ...descriptor,
    set(/** @type {unknown} */ value) {
      const previous = get.call(this);
      set.call(this, value);
      if (get.call(this) !== previous) after.call(this, previous);
    },
  });
}

/** Wraps the public prototype methods of fake-indexeddb once per process. */
function installHooks() {
  if (installed) return;
  installed = true;

  wrapMethod(FDBFactory.prototype, "open", (open) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const request = open.apply(this, args);
      const target = factories.get(this);
      if (!target) return request;
      // Registered before the caller can add listeners, so ours run first.
      request.addEventListener("upgradeneeded", () =>
        guarded(target.mirror, () => {
          const connection = request.result;
          connections.set(connection, target);
          const revert = target.catalog.beginUpgrade(connection.name);
          upgrades.set(connection, request.transaction);
          track(target, request.transaction, new TransactionLog(target.catalog, connection.name, true), revert);
        }),
      );
      request.addEventListener("success", () => connections.set(request.result, target));
      return request;
    },
  );

  wrapMethod(FDBFactory.prototype, "deleteDatabase", (deleteDatabase) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const request = deleteDatabase.apply(this, args);
      const target = factories.get(this);
      if (!target) return request;
      request.addEventListener("success", () =>
        guarded(target.mirror, () => {
          const db = target.catalog.dropDatabase(String(args[0]));
          if (!db) return;
          const log = new TransactionLog(target.catalog, db.name, false);
          for (const store of db.stores.values()) log.dropStore(store);
          target.mirror.enqueue([...log.commit(0), { type: "del", key: levelKeys.schema(db.name) }]);
        }),
      );
      return request;
    },
  );

  wrapMethod(FDBDatabase.prototype, "transaction", (transaction) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const tx = transaction.apply(this, args);
      const target = connections.get(this);
      if (target && tx.mode !== "readonly") track(target, tx, new TransactionLog(target.catalog, this.name, false), null);
      return tx;
    },
  );

  wrapMethod(FDBDatabase.prototype, "createObjectStore", (createObjectStore) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const store = createObjectStore.apply(this, args);
      record(upgrades.get(this), (log) => log.catalog.createStore(log.dbName, store.name, store.keyPath, store.autoIncrement));
      return store;
    },
  );

  wrapMethod(FDBDatabase.prototype, "deleteObjectStore", (deleteObjectStore) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      deleteObjectStore.apply(this, args);
      record(upgrades.get(this), (log) => log.dropStore(log.catalog.deleteStore(log.dbName, String(args[0]))));
    },
  );

  for (const method of ["put", "add"]) {
    wrapMethod(FDBObjectStore.prototype, method, (write) =>
      /** @this {any} */
    function (/** @type {any[]} */ ...args) {
        const request = write.apply(this, args);
        record(this.transaction, (log) => log.put(this.name, request, args[0]));
        return request;
      },
    );
  }

  wrapMethod(FDBObjectStore.prototype, "delete", (del) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const request = del.apply(this, args);
      record(this.transaction, (log) => log.delete(this.name, request, args[0], args[0] instanceof FDBKeyRange));
      return request;
    },
  );

  wrapMethod(FDBObjectStore.prototype, "clear", (clear) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const request = clear.apply(this, args);
      record(this.transaction, (log) => log.clear(this.name, request));
      return request;
    },
  );

  wrapMethod(FDBObjectStore.prototype, "createIndex", (createIndex) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const index = createIndex.apply(this, args);
      record(this.transaction, (log) =>
        log.catalog.createIndex(log.dbName, this.name, index.name, {
          keyPath: index.keyPath,
          unique: index.unique,
          multiEntry: index.multiEntry,
        }),
      );
      return index;
    },
  );

  wrapMethod(FDBObjectStore.prototype, "deleteIndex", (deleteIndex) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      deleteIndex.apply(this, args);
      record(this.transaction, (log) => log.catalog.deleteIndex(log.dbName, this.name, String(args[0])));
    },
  );

  wrapNameSetter(FDBObjectStore.prototype, function (previous) {
    record(this.transaction, (log) => log.catalog.renameStore(log.dbName, previous, this.name));
  });

  wrapNameSetter(FDBIndex.prototype, function (previous) {
    const store = this.objectStore;
    record(store.transaction, (log) => log.catalog.renameIndex(log.dbName, store.name, previous, this.name));
  });

  /** @param {any} cursor */
  const storeOf = (cursor) => (cursor.source instanceof FDBIndex ? cursor.source.objectStore : cursor.source);

  wrapMethod(FDBCursor.prototype, "update", (update) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const request = update.apply(this, args);
      const store = storeOf(this);
      record(store.transaction, (log) => log.put(store.name, request, args[0]));
      return request;
    },
  );

  wrapMethod(FDBCursor.prototype, "delete", (del) =>
    /** @this {any} */
    function (/** @type {any[]} */ ...args) {
      const key = this.primaryKey;
      const request = del.apply(this, args);
      const store = storeOf(this);
      record(store.transaction, (log) => log.delete(store.name, request, key, false));
      return request;
    },
  );
}

/**
 * From now on, every committed readwrite or versionchange transaction, and every deleted
 * database, of `factory` is written to `mirror`.
 * @param {object} factory an FDBFactory
 * @param {SchemaCatalog} catalog the schema of the databases `factory` holds
 * @param {LevelMirror} mirror
 */
function mirrorFactory(factory, catalog, mirror) {
  installHooks();
  factories.set(factory, { catalog, mirror });
}

module.exports = { mirrorFactory };
