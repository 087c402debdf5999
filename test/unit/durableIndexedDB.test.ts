import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "@matrix-org/matrix-sdk-crypto-wasm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as Durable from "../../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js";
import type { IDBDatabase, IDBFactory, IDBRequest, IDBTransaction } from "../../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js";

// Loaded as plain CommonJS, as the crypto package loads it.
const require = createRequire(import.meta.url);
const { openDurableIndexedDB, installIndexedDBGlobals }: typeof Durable = require("../../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js");
const { encodeIDBKey }: { encodeIDBKey: (key: unknown) => string } = require("../../packages/matrix-sdk-crypto-nodejs/encodeIDBKey.js");
const { decodeIDBKey }: { decodeIDBKey: (encoded: string) => unknown } = require("../../packages/matrix-sdk-crypto-nodejs/decodeIDBKey.js");
const { Level } = require("level") as { Level: { prototype: { batch: (...args: unknown[]) => Promise<void> } } };

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "durableIndexedDBChild.cjs");

const dirs: string[] = [];
async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), "mirage-idb-"));
  dirs.push(dir);
  return dir;
}

const result = <T>(request: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

const committed = (tx: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error("aborted"));
  });

function openDatabase(idb: IDBFactory, name: string, version?: number, upgrade?: (db: IDBDatabase, tx: IDBTransaction, oldVersion: number) => void) {
  const request = idb.open(name, version);
  if (upgrade) request.onupgradeneeded = (event) => upgrade(request.result, request.transaction!, event.oldVersion);
  return result(request);
}

/** Everything observable about a database: version, schema, and every store's keys and values. */
async function dump(db: IDBDatabase) {
  const names = [...db.objectStoreNames];
  const stores: Record<string, unknown> = {};
  if (names.length > 0) {
    const tx = db.transaction(names, "readonly");
    for (const name of names) {
      const store = tx.objectStore(name);
      const indexes = [...store.indexNames].map((n) => {
        const index = store.index(n);
        return { name: n, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
      });
      stores[name] = {
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
        indexes,
        keys: await result(store.getAllKeys()),
        values: await result(store.getAll()),
      };
    }
  }
  return { version: db.version, stores };
}

const open: Durable.DurableIndexedDB[] = [];
async function openDurable(dir: string, options?: Durable.DurableIndexedDBOptions) {
  const durable = await openDurableIndexedDB(dir, options);
  open.push(durable);
  return durable;
}

/** Closes `durable` as a restart would and opens a fresh factory on the same directory. */
async function restart(durable: Durable.DurableIndexedDB, dir: string, db?: IDBDatabase) {
  db?.close();
  await durable.close();
  return openDurable(dir);
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.allSettled(open.splice(0).map((d) => d.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("durable IndexedDB", () => {
  it("replays records, keys, values and indexes written by every kind of mutation", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => {
      db.createObjectStore("kv");
      const people = db.createObjectStore("people", { keyPath: "id", autoIncrement: true });
      people.createIndex("byEmail", "email", { unique: true });
      people.createIndex("byTag", "tags", { multiEntry: true });
      db.createObjectStore("pairs", { keyPath: ["room", "seq"] });
      db.createObjectStore("nested", { keyPath: "meta.id", autoIncrement: true });
      db.createObjectStore("scratch");
    });

    let tx = db.transaction(["kv", "people", "pairs", "nested", "scratch"], "readwrite");
    const kv = tx.objectStore("kv");
    kv.put({ bytes: new Uint8Array([0, 1, 2, 255]), when: new Date(1_700_000_000_000), big: 2n ** 70n, map: new Map([["k", new Set([1, 2])]]) }, "rich");
    kv.put(new ArrayBuffer(4), 42);
    kv.put("binary key", new Uint8Array([0, 0, 1, 2]));
    kv.put("date key", new Date(5));
    kv.put("array key", ["a", 1, [new Date(0)]]);
    kv.put("negative", -1.5);
    kv.put("unicode key", "é\u0000😀\uffff");
    kv.put("to delete", "gone");
    kv.delete("to delete");
    for (let i = 0; i < 10; i++) kv.put(i, `range-${i}`);
    kv.delete(durable.IDBKeyRange.bound("range-3", "range-6", false, true));
    const people = tx.objectStore("people");
    people.add({ name: "Ann", email: "ann@x", tags: ["a", "b"] });
    people.add({ name: "Bob", email: "bob@x", tags: ["b"] });
    people.put({ id: 10, name: "Cy", email: "cy@x", tags: [] });
    tx.objectStore("pairs").put({ room: "!r", seq: 2, body: "two" });
    tx.objectStore("pairs").put({ room: "!r", seq: 1, body: "one" });
    tx.objectStore("nested").add({ meta: { kind: "generated" } });
    tx.objectStore("nested").add({ kind: "no meta yet" });
    tx.objectStore("nested").add({ kind: "third" });
    tx.objectStore("nested").delete(1); // a gap: replay must keep keys 2 and 3, not generate 1 and 2
    tx.objectStore("scratch").put("x", 1);
    await committed(tx);

    tx = db.transaction(["people", "scratch"], "readwrite");
    await new Promise<void>((resolve, reject) => {
      const cursor = tx.objectStore("people").openCursor();
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return resolve();
        const person = c.value as { name: string };
        if (person.name === "Bob") c.delete();
        else c.update({ ...person, name: person.name.toUpperCase() });
        c.continue();
      };
    });
    const byEmail = tx.objectStore("people").index("byEmail").openCursor("cy@x");
    byEmail.onsuccess = () => byEmail.result?.update({ ...(byEmail.result.value as object), email: "cy@y" });
    tx.objectStore("scratch").clear();
    tx.objectStore("scratch").put("after clear", 2);
    await committed(tx);

    const before = await dump(db);
    durable = await restart(durable, dir, db);
    expect(durable.replay).toMatchObject({ databases: 1 });

    const again = await openDatabase(durable.indexedDB, "app");
    expect(await dump(again)).toEqual(before);
    const read = again.transaction(["people", "kv"], "readwrite");
    expect(await result(read.objectStore("people").index("byTag").getAll("b"))).toEqual([{ id: 1, name: "ANN", email: "ann@x", tags: ["a", "b"] }]);
    expect(await result(read.objectStore("people").index("byEmail").getKey("cy@y"))).toBe(10);
    expect(await result(read.objectStore("kv").get(new Uint8Array([0, 0, 1, 2])))).toBe("binary key");
    expect(await result(read.objectStore("people").add({ name: "Dee", email: "dee@x", tags: [] }))).toBe(11);
    await committed(read);
    again.close();
  });

  it("writes nothing for an aborted transaction or an aborted upgrade", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => db.createObjectStore("s").createIndex("u", "u", { unique: true }));

    const aborted = db.transaction("s", "readwrite");
    aborted.objectStore("s").put({ u: 1 }, "a");
    aborted.objectStore("s").put({ u: 2 }, "b");
    aborted.objectStore("s").put({ u: 2 }, "c"); // unique violation: the request fails and aborts the transaction
    await expect(committed(aborted)).rejects.toThrow();

    const explicit = db.transaction("s", "readwrite");
    explicit.objectStore("s").put({ u: 3 }, "d");
    explicit.abort();
    await expect(committed(explicit)).rejects.toThrow();

    const tolerated = db.transaction("s", "readwrite");
    tolerated.objectStore("s").put({ u: 4 }, "e");
    const failing = tolerated.objectStore("s").add({ u: 5 }, "e");
    failing.onerror = (event) => event.preventDefault();
    tolerated.objectStore("s").put({ u: 6 }, "f");
    await committed(tolerated);
    db.close();

    const upgrade = durable.indexedDB.open("app", 2);
    upgrade.onupgradeneeded = () => {
      upgrade.result.createObjectStore("never");
      upgrade.transaction!.objectStore("s").put({ u: 7 }, "g");
      upgrade.transaction!.abort();
    };
    await expect(result(upgrade)).rejects.toThrow();

    const fresh = durable.indexedDB.open("brand-new", 1);
    fresh.onupgradeneeded = () => {
      fresh.result.createObjectStore("x");
      fresh.transaction!.abort();
    };
    await expect(result(fresh)).rejects.toThrow();

    // Later upgrades start from the schema before the aborted ones.
    (await openDatabase(durable.indexedDB, "app", 2, (db) => db.createObjectStore("later"))).close();
    (await openDatabase(durable.indexedDB, "brand-new", 1, (db) => db.createObjectStore("y"))).close();

    durable = await restart(durable, dir);
    const again = await openDatabase(durable.indexedDB, "app");
    const dumped = await dump(again);
    expect(dumped).toMatchObject({ version: 2, stores: { s: { keys: ["e", "f"], values: [{ u: 4 }, { u: 6 }] }, later: { keys: [] } } });
    expect(Object.keys(dumped.stores).sort()).toEqual(["later", "s"]);
    const brandNew = await openDatabase(durable.indexedDB, "brand-new");
    expect([...brandNew.objectStoreNames]).toEqual(["y"]);
    expect(await durable.indexedDB.databases()).toEqual([
      { name: "app", version: 2 },
      { name: "brand-new", version: 1 },
    ]);
    again.close();
    brandNew.close();
  });

  it("keeps schema upgrades: new stores and indexes, renames and deleted stores", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    let db = await openDatabase(durable.indexedDB, "app", 1, (db) => {
      db.createObjectStore("a", { keyPath: "id" });
      db.createObjectStore("doomed").put("x", 1);
    });
    let tx = db.transaction("a", "readwrite");
    tx.objectStore("a").put({ id: 1, email: "one@x", tags: ["t"] });
    await committed(tx);
    db.close();

    db = await openDatabase(durable.indexedDB, "app", 2, (db, upgrade, oldVersion) => {
      expect(oldVersion).toBe(1);
      db.createObjectStore("b", { autoIncrement: true }).add("first");
      upgrade.objectStore("a").createIndex("byEmail", "email", { unique: true });
      db.deleteObjectStore("doomed");
    });
    db.close();

    db = await openDatabase(durable.indexedDB, "app", 3, (_db, upgrade) => {
      const a = upgrade.objectStore("a");
      a.name = "renamed";
      a.index("byEmail").name = "email";
      a.createIndex("tags", "tags", { multiEntry: true });
      upgrade.objectStore("b").put("second");
    });
    tx = db.transaction("renamed", "readwrite");
    tx.objectStore("renamed").put({ id: 2, email: "two@x", tags: ["t", "u"] });
    await committed(tx);
    const before = await dump(db);

    durable = await restart(durable, dir, db);
    const again = await openDatabase(durable.indexedDB, "app");
    expect(await dump(again)).toEqual(before);
    expect(before).toMatchObject({ version: 3, stores: { renamed: { indexes: [{ name: "email" }, { name: "tags" }] }, b: { keys: [1, 2] } } });
    expect([...again.objectStoreNames]).toEqual(["b", "renamed"]);
    expect(await result(again.transaction("renamed").objectStore("renamed").index("tags").getAllKeys("t"))).toEqual([1, 2]);
    again.close();
  });

  it("keeps a deleted database deleted, and a recreated one empty", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    for (const name of ["gone", "kept"]) {
      const db = await openDatabase(durable.indexedDB, name, 4, (db) => db.createObjectStore("s").put(name, 1));
      db.close();
    }
    await result(durable.indexedDB.deleteDatabase("gone"));
    durable = await restart(durable, dir);
    expect(await durable.indexedDB.databases()).toEqual([{ name: "kept", version: 4 }]);

    const recreated = await openDatabase(durable.indexedDB, "gone", 1, (db) => db.createObjectStore("s"));
    expect(await result(recreated.transaction("s").objectStore("s").count())).toBe(0);
    recreated.close();
    durable = await restart(durable, dir);
    expect(await durable.indexedDB.databases()).toEqual([
      { name: "gone", version: 1 },
      { name: "kept", version: 4 },
    ]);
  });

  it("restores key generators past deleted records", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => {
      db.createObjectStore("inline", { keyPath: "id", autoIncrement: true });
      db.createObjectStore("outOfLine", { autoIncrement: true });
    });
    const tx = db.transaction(["inline", "outOfLine"], "readwrite");
    for (let i = 0; i < 3; i++) tx.objectStore("inline").add({ i });
    tx.objectStore("inline").delete(3);
    tx.objectStore("outOfLine").add("explicit", 100.5);
    tx.objectStore("outOfLine").delete(100.5);
    await committed(tx);

    durable = await restart(durable, dir, db);
    const again = await openDatabase(durable.indexedDB, "app");
    const next = again.transaction(["inline", "outOfLine"], "readwrite");
    expect(await result(next.objectStore("inline").add({ i: 3 }))).toBe(4);
    expect(await result(next.objectStore("outOfLine").add("next"))).toBe(101);
    expect(await result(next.objectStore("outOfLine").count())).toBe(1);
    await committed(next);
    again.close();
  });

  it("writes many concurrent transactions in commit order, several per level batch", async () => {
    const dir = await tempDir();
    let durable = await openDurable(dir);
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => {
      db.createObjectStore("counter");
      db.createObjectStore("log", { autoIncrement: true });
    });
    const transactions = Array.from({ length: 400 }, (_, i) => {
      const tx = db.transaction(["counter", "log"], "readwrite");
      tx.objectStore("counter").put(i, "last");
      tx.objectStore("log").add({ i });
      return committed(tx);
    });
    await Promise.all(transactions);
    await durable.flush();
    const written = durable.written;
    expect(written.transactions).toBeGreaterThanOrEqual(400);
    expect(written.batches).toBeLessThan(written.transactions);

    durable = await restart(durable, dir, db);
    const again = await openDatabase(durable.indexedDB, "app");
    const read = again.transaction(["counter", "log"]);
    expect(await result(read.objectStore("counter").get("last"))).toBe(399);
    const log = (await result(read.objectStore("log").getAll())) as { i: number }[];
    expect(log.map((entry) => entry.i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    again.close();
  });

  it("flush() called from a complete handler covers that transaction", async () => {
    const durable = await openDurable(await tempDir());
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => db.createObjectStore("s"));
    await durable.flush();
    const before = durable.written.transactions;
    const tx = db.transaction("s", "readwrite");
    tx.objectStore("s").put("v", "k");
    const flushed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => durable.flush().then(resolve, reject);
    });
    await flushed;
    expect(durable.written.transactions).toBe(before + 1);
    db.close();
  });

  it("reports a level write error to onError and from every later flush", async () => {
    const dir = await tempDir();
    const onError = vi.fn();
    const durable = await openDurable(dir, { onError });
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => db.createObjectStore("s"));
    await durable.flush();

    vi.spyOn(Level.prototype, "batch").mockRejectedValueOnce(new Error("disk full"));
    const tx = db.transaction("s", "readwrite");
    tx.objectStore("s").put("v", "k");
    await committed(tx);
    await expect(durable.flush()).rejects.toThrow("disk full");
    await expect(durable.flush()).rejects.toThrow("disk full");
    expect(onError).toHaveBeenCalledTimes(1);
    db.close();
  });

  it("reports a transaction that commits after close", async () => {
    const dir = await tempDir();
    const onError = vi.fn();
    const durable = await openDurable(dir, { onError });
    const db = await openDatabase(durable.indexedDB, "app", 1, (db) => db.createObjectStore("s"));
    await durable.close();
    const tx = db.transaction("s", "readwrite");
    tx.objectStore("s").put("late", 1);
    await committed(tx);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/after the durable store was closed/) }));
    db.close();
  });

  it("encodes keys so that byte order is IndexedDB order", async () => {
    const durable = await openDurable(await tempDir());
    const keys: unknown[] = [
      -Infinity, -1e300, -2, -1.5, -0, 0, 1e-300, 1, 2, 255, 256, 65536, Number.MAX_SAFE_INTEGER, Infinity,
      new Date(-1), new Date(0), new Date(1),
      "", "\u0000", "\u0001", "a", "a\u0000", "aa", "b", "\u007e", "\u007f", "\u0080", "é", "\u3fff", "\u40fe", "\u40ff", "\ud83d\ude00", "\uffff",
      new Uint8Array([0]).buffer, new Uint8Array([0, 0]).buffer, new Uint8Array([0, 1]).buffer, new Uint8Array([1]).buffer,
      new Uint8Array([1, 0]).buffer, new Uint8Array([2]).buffer, new Uint8Array([255]).buffer,
      [], [0], [0, 0], [0, "a"], [1], ["a"], [[]], [[0]], [new Uint8Array([1]).buffer], [[], 0],
    ];
    for (let i = 0; i < 200; i++) keys.push([Math.random() * 1000 - 500, String.fromCharCode(Math.floor(Math.random() * 0xffff)), [Math.floor(Math.random() * 4)]]);
    const byIdb = [...keys].sort((a, b) => durable.indexedDB.cmp(a, b));
    const byBytes = [...keys].sort((a, b) => {
      const x = encodeIDBKey(a);
      const y = encodeIDBKey(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    expect(byBytes.map((k) => encodeIDBKey(k))).toEqual(byIdb.map((k) => encodeIDBKey(k)));
    for (const key of keys) expect(durable.indexedDB.cmp(decodeIDBKey(encodeIDBKey(key)), key)).toBe(0);
    expect(encodeIDBKey(-0)).toBe(encodeIDBKey(0));
  });

  it("installs the IDB globals and restores the previous ones", async () => {
    const durable = await openDurable(await tempDir());
    const before = Object.getOwnPropertyDescriptor(globalThis, "indexedDB");
    const restore = installIndexedDBGlobals(durable);
    const g = globalThis as unknown as Record<string, unknown>;
    expect(g.indexedDB).toBe(durable.indexedDB);
    expect(g.IDBKeyRange).toBe(durable.IDBKeyRange);
    for (const name of ["IDBFactory", "IDBDatabase", "IDBTransaction", "IDBObjectStore", "IDBIndex", "IDBCursor", "IDBCursorWithValue", "IDBRequest", "IDBOpenDBRequest", "IDBVersionChangeEvent"]) {
      expect(typeof g[name], name).toBe("function");
    }
    expect(durable.indexedDB).toBeInstanceOf(g.IDBFactory as new () => unknown);
    restore();
    expect(Object.getOwnPropertyDescriptor(globalThis, "indexedDB")).toEqual(before);
  });
});

/** Runs the fixture in a child process that SIGKILLs itself; returns its JSON stdout lines. */
function runChild(mode: "records" | "olm", dir: string) {
  return new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, mode, dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`child ended with ${signal ?? _code}: ${err}`));
      resolve(out.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
    });
  });
}

describe("durable IndexedDB across a killed process", () => {
  it("keeps everything flushed before kill -9, and only whole transactions in commit order", async () => {
    const dir = await tempDir();
    const lines = await runChild("records", dir);
    const lastFlushed = Math.max(...lines.map((line) => line.flushed as number));
    expect(lastFlushed).toBe(299);

    const durable = await openDurable(dir);
    const db = await openDatabase(durable.indexedDB, "pairs");
    const tx = db.transaction(["left", "right"]);
    const left = (await result(tx.objectStore("left").getAllKeys())) as number[];
    const right = (await result(tx.objectStore("right").getAllKeys())) as number[];
    expect(left).toEqual(right);
    expect(left).toEqual(Array.from({ length: left.length }, (_, i) => i));
    expect(left.length).toBeGreaterThan(lastFlushed);
    db.close();
  }, 30_000);

  it("keeps the Olm device of a killed process: same identity keys, keys not uploaded again", async () => {
    const dir = await tempDir();
    const [line] = await runChild("olm", dir);
    const ed25519 = line?.ed25519;
    expect(typeof ed25519).toBe("string");

    await wasm.initAsync();
    const durable = await openDurable(dir);
    const restore = installIndexedDBGlobals(durable);
    try {
      const machine = await wasm.OlmMachine.initialize(new wasm.UserId("@bot:example.org"), new wasm.DeviceId("DEVICEA"), "mirage-crypto", "passphrase");
      expect(machine.identityKeys.ed25519.toBase64()).toBe(ed25519);
      const pending = await machine.outgoingRequests();
      expect(pending.filter((request) => request.type === wasm.RequestType.KeysUpload)).toEqual([]);
      machine.close();
    } finally {
      restore();
    }
  }, 60_000);
});

describe("matrix-sdk-crypto-wasm on a durable IndexedDB", () => {
  it("reopens the same account after close and a fresh factory", async () => {
    await wasm.initAsync();
    const dir = await tempDir();
    const init = () => wasm.OlmMachine.initialize(new wasm.UserId("@bot:example.org"), new wasm.DeviceId("DEVICEA"), "mirage-crypto", "passphrase");

    let durable = await openDurable(dir);
    let restore = installIndexedDBGlobals(durable);
    let ed25519: string;
    try {
      const machine = await init();
      ed25519 = machine.identityKeys.ed25519.toBase64();
      const requests = await machine.outgoingRequests();
      const upload = requests.find((request) => request.type === wasm.RequestType.KeysUpload);
      if (!upload?.id) throw new Error("expected a KeysUpload request for a new device");
      await machine.markRequestAsSent(upload.id, upload.type, '{"one_time_key_counts":{"signed_curve25519":50}}');
      machine.close();
      await durable.flush();
    } finally {
      restore();
    }
    await durable.close();

    durable = await openDurable(dir);
    expect(durable.replay.databases).toBeGreaterThan(0);
    restore = installIndexedDBGlobals(durable);
    try {
      const machine = await init();
      expect(machine.identityKeys.ed25519.toBase64()).toBe(ed25519);
      const requests = await machine.outgoingRequests();
      expect(requests.filter((request) => request.type === wasm.RequestType.KeysUpload)).toEqual([]);
      machine.close();
    } finally {
      restore();
    }
  }, 60_000);
});
