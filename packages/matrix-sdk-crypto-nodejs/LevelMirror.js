// @ts-check
"use strict";

/**
 * @typedef {import("./TransactionLog.js").MirrorOp} MirrorOp
 * @typedef {import("./TransactionLog.js").RangeOp} RangeOp
 * @typedef {import("level").Level<Buffer, Buffer>} BinaryLevel
 * @typedef {{ type: "put", key: string, value: Buffer } | { type: "del", key: string }} PointOp
 */

/**
 * @param {string} key
 * @param {RangeOp} range
 */
function inRange(key, range) {
  return (
    (range.gt === undefined || key > range.gt) &&
    (range.gte === undefined || key >= range.gte) &&
    (range.lt === undefined || key < range.lt) &&
    (range.lte === undefined || key <= range.lte)
  );
}

/** @param {RangeOp} range */
function levelRange(range) {
  /** @type {{ gt?: Buffer, gte?: Buffer, lt?: Buffer, lte?: Buffer }} */
  const out = {};
  for (const bound of /** @type {const} */ (["gt", "gte", "lt", "lte"])) {
    const key = range[bound];
    if (key !== undefined) out[bound] = Buffer.from(key, "latin1");
  }
  return out;
}

/**
 * Writes committed transactions to level in commit order. Transactions that commit while
 * a write is in flight are merged into the next batch (group commit): one batch holds whole
 * transactions only, so each stays atomic. The first write error poisons the mirror: it is
 * reported once to `onError` and every later flush() rejects with it.
 */
class LevelMirror {
  /**
   * @param {BinaryLevel} db
   * @param {{ onError?: (error: Error) => void, sync?: boolean }} options
   */
  constructor(db, options) {
    this.db = db;
    this.onError = options.onError;
    this.sync = options.sync ?? false;
    /** @type {MirrorOp[][]} */
    this.pending = [];
    /** @type {Promise<void> | null} */
    this.writing = null;
    /** @type {Error | null} */
    this.error = null;
    this.closed = false;
    this.stats = { transactions: 0, batches: 0 };
  }

  /**
   * Queues the operations of one committed transaction.
   * @param {MirrorOp[]} ops
   */
  enqueue(ops) {
    if (this.error || ops.length === 0) return;
    if (this.closed) {
      this.fail(new Error("An IndexedDB transaction committed after the durable store was closed; it is not durable"));
      return;
    }
    this.pending.push(ops);
    this.writing ??= this.drain();
  }

  async drain() {
    while (this.pending.length > 0 && !this.error) {
      const group = this.pending.splice(0);
      try {
        const batch = await this.resolve(group);
        if (batch.length > 0) await this.db.batch(batch, { sync: this.sync });
        this.stats.transactions += group.length;
        this.stats.batches += 1;
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.pending.length = 0;
    this.writing = null;
  }

  /**
   * Applies the group's operations in order onto the last written state; range deletes
   * read the keys they remove from level (the writer is alone, so level is that state).
   * @param {MirrorOp[][]} group
   */
  async resolve(group) {
    /** @type {Map<string, PointOp>} */
    const latest = new Map();
    for (const ops of group) {
      for (const op of ops) {
        if (op.type !== "range") {
          latest.set(op.key, op);
          continue;
        }
        for (const key of latest.keys()) {
          if (inRange(key, op)) latest.set(key, { type: "del", key });
        }
        for await (const key of this.db.keys(levelRange(op))) {
          const k = key.toString("latin1");
          latest.set(k, { type: "del", key: k });
        }
      }
    }
    return Array.from(latest.values(), (op) =>
      op.type === "put"
        ? { type: /** @type {const} */ ("put"), key: Buffer.from(op.key, "latin1"), value: op.value }
        : { type: /** @type {const} */ ("del"), key: Buffer.from(op.key, "latin1") },
    );
  }

  /** @param {Error} error */
  fail(error) {
    if (this.error) return;
    this.error = error;
    if (this.onError) {
      try {
        this.onError(error);
      } catch {
        // The error is still sticky and every flush() rejects with it.
      }
    }
  }

  /** Resolves once every transaction queued so far is written; rejects if any write failed. */
  async flush() {
    if (this.writing) await this.writing;
    if (this.error) throw this.error;
  }

  async close() {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.db.close();
    }
  }
}

module.exports = { LevelMirror };
