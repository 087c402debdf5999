import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type * as Durable from "../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js";
import type { IDBDatabase, IDBFactory, IDBTransaction } from "../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js";

const require = createRequire(import.meta.url);
const { openDurableIndexedDB }: typeof Durable = require("../packages/matrix-sdk-crypto-nodejs/durableIndexedDB.js");
const { IDBFactory: PlainFactory } = require("fake-indexeddb") as { IDBFactory: new () => IDBFactory };

const TRANSACTIONS = 2000;
const RECORDS = 10_000;

/** About the shape of a crypto-store record: an id, some strings and a few hundred bytes. */
const value = (i: number) => ({ id: `session-${i}`, room: `!room${i % 50}:example.org`, pickle: new Uint8Array(300).fill(i & 0xff), ts: i });

const committed = (tx: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });

function openDb(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = idb.open("bench", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("s");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Microseconds per transaction of one put, one after the other; `after` runs after each commit. */
async function sequential(db: IDBDatabase, after: () => Promise<void>) {
  const started = performance.now();
  for (let i = 0; i < TRANSACTIONS; i++) {
    const tx = db.transaction("s", "readwrite");
    tx.objectStore("s").put(value(i), i);
    await committed(tx);
    await after();
  }
  return ((performance.now() - started) * 1000) / TRANSACTIONS;
}

/** Microseconds per transaction with all of them in flight at once. */
async function concurrent(db: IDBDatabase, after: () => Promise<void>) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: TRANSACTIONS }, (_, i) => {
      const tx = db.transaction("s", "readwrite");
      tx.objectStore("s").put(value(i), TRANSACTIONS + i);
      return committed(tx);
    }),
  );
  await after();
  return ((performance.now() - started) * 1000) / TRANSACTIONS;
}

async function fill(db: IDBDatabase) {
  const tx = db.transaction("s", "readwrite");
  for (let i = 0; i < RECORDS; i++) tx.objectStore("s").put(value(i), i);
  await committed(tx);
}

/**
 * fake-indexeddb mirrored to level against plain in-memory fake-indexeddb: cost per committed
 * transaction (without and with waiting for level), and replay of a 10,000-record store.
 */
export async function benchDurableIndexedDB(): Promise<string[]> {
  const noop = async () => undefined;
  const plain = await openDb(new PlainFactory());
  const dir = await mkdtemp(path.join(tmpdir(), "mirage-bench-idb-"));
  let durable = await openDurableIndexedDB(dir);
  const mirrored = await openDb(durable.indexedDB);
  const flush = () => durable.flush();

  await sequential(plain, noop); // warm-up
  const plainSeq = await sequential(plain, noop);
  const mirroredSeq = await sequential(mirrored, noop);
  const flushedSeq = await sequential(mirrored, flush);
  const plainConc = await concurrent(plain, noop);
  const before = durable.written;
  const mirroredConc = await concurrent(mirrored, flush);
  const after = durable.written;

  const fillStarted = performance.now();
  const plainFill = await openDb(new PlainFactory());
  await fill(plainFill);
  const plainFillMs = performance.now() - fillStarted;
  await fill(mirrored);
  mirrored.close();
  await durable.close();
  durable = await openDurableIndexedDB(dir);
  const { records, ms: replayMs } = durable.replay;
  await durable.close();
  await rm(dir, { recursive: true, force: true });

  const us = (n: number) => `${n.toFixed(1).padStart(7)} µs`;
  const ratio = (n: number, base: number) => `×${(n / base).toFixed(2)}`;
  return [
    `durable IndexedDB, ${TRANSACTIONS} transactions of one ~400-byte put:`,
    `  sequential, plain fake-indexeddb     ${us(plainSeq)}/txn`,
    `  sequential, mirrored                 ${us(mirroredSeq)}/txn  ${ratio(mirroredSeq, plainSeq)}`,
    `  sequential, mirrored + flush() each  ${us(flushedSeq)}/txn  ${ratio(flushedSeq, plainSeq)}`,
    `  concurrent, plain fake-indexeddb     ${us(plainConc)}/txn`,
    `  concurrent, mirrored, then flush()   ${us(mirroredConc)}/txn  ${ratio(mirroredConc, plainConc)}  (${after.transactions - before.transactions} txns in ${after.batches - before.batches} level batches)`,
    `  replay of ${records} records: ${replayMs.toFixed(0)} ms (plain fake-indexeddb insert of ${RECORDS}: ${plainFillMs.toFixed(0)} ms, ${ratio(replayMs, plainFillMs)})`,
  ];
}
