import type { Outbox, OutboxEntry, OutboxEntryInput } from "../platform/ports/Outbox.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { encodeSeq, META_KEYS, SUBLEVELS } from "./keys.js";

/** Outbox on level: one sublevel keyed by sequence, counter in `meta`. */
export class LevelOutbox implements Outbox {
  private readonly entries: JsonSublevel<OutboxEntry>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private seq = -1;

  constructor(private readonly db: RootLevel) {
    this.entries = jsonSublevel<OutboxEntry>(db, SUBLEVELS.outbox);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  /** Batch operations that enqueue `inputs`; used by other repositories to enqueue atomically. */
  async enqueueOps(inputs: readonly OutboxEntryInput[], now: number): Promise<BatchOp[]> {
    if (this.seq < 0) {
      this.seq = await lastSequence(this.meta, META_KEYS.outboxSeq, this.entries as JsonSublevel<unknown>);
    }
    const ops: BatchOp[] = inputs.map((input) => {
      this.seq += 1;
      const id = encodeSeq(this.seq);
      const entry: OutboxEntry = { ...input, id, createdAt: now, attempts: 0 };
      return { type: "put", sublevel: this.entries, key: id, value: entry } as BatchOp;
    });
    if (ops.length > 0) ops.push({ type: "put", sublevel: this.meta, key: META_KEYS.outboxSeq, value: this.seq } as BatchOp);
    return ops;
  }

  /** Runs `fn` with sequence allocation locked, so ids are committed in allocation order. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  enqueue(inputs: readonly OutboxEntryInput[], now: number): Promise<void> {
    if (inputs.length === 0) return Promise.resolve();
    return this.withLock(async () => {
      await this.db.batch(await this.enqueueOps(inputs, now));
    });
  }

  async peek(limit: number): Promise<OutboxEntry[]> {
    return this.entries.values({ limit }).all();
  }

  async remove(id: string): Promise<void> {
    await this.entries.del(id);
  }

  async recordAttempt(id: string): Promise<void> {
    await this.mutex.run(async () => {
      const entry = await this.entries.get(id);
      if (entry) await this.entries.put(id, { ...entry, attempts: entry.attempts + 1 });
    });
  }

  async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.entries.keys()) n += 1;
    return n;
  }
}
