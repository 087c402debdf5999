import type { Outbox, OutboxEntry, OutboxEntryInput, SendFailure } from "../platform/ports/Outbox.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { decodeSeq, deadLetterKey, encodeSeq, META_KEYS, SUBLEVELS } from "./keys.js";
import { outboxDeadLetter, type DeadLetterRecord } from "./deadLetterRecord.js";

/** Outbox on level: one sublevel keyed by sequence, counter in `meta`; dead letters go to their own sublevel. */
export class LevelOutbox implements Outbox {
  private readonly entries: JsonSublevel<OutboxEntry>;
  private readonly meta: JsonSublevel<number>;
  private readonly deadLetters: JsonSublevel<DeadLetterRecord>;
  private readonly mutex = new Mutex();
  private seq = -1;

  constructor(private readonly db: RootLevel) {
    this.entries = jsonSublevel<OutboxEntry>(db, SUBLEVELS.outbox);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
    this.deadLetters = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
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

  async peek(limit: number, after?: string): Promise<OutboxEntry[]> {
    return this.entries.values(after === undefined ? { limit } : { gt: after, limit }).all();
  }

  async remove(id: string): Promise<void> {
    await this.entries.del(id);
  }

  async recordFailure(id: string, failure: SendFailure & { notBefore: number }): Promise<void> {
    await this.mutex.run(async () => {
      const entry = await this.entries.get(id);
      if (!entry) return;
      await this.entries.put(id, {
        ...entry,
        attempts: entry.attempts + 1,
        firstFailureAt: entry.firstFailureAt ?? failure.at,
        lastFailureAt: failure.at,
        notBefore: failure.notBefore,
        lastError: failure.error,
      });
    });
  }

  deadLetter(entry: OutboxEntry, failure: SendFailure): Promise<void> {
    return this.mutex.run(async () => {
      const stored = (await this.entries.get(entry.id)) ?? entry;
      await this.db.batch([
        { type: "del", sublevel: this.entries, key: entry.id },
        { type: "put", sublevel: this.deadLetters, key: deadLetterKey("s", decodeSeq(entry.id)), value: outboxDeadLetter(stored, failure) },
      ] as BatchOp[]);
    });
  }

  /** Batch operations putting a dead-lettered send back under its own id with a fresh budget; call inside `withLock`. */
  requeueOps(entry: OutboxEntry): BatchOp[] {
    const { id, sender, roomId, eventType, stateKey, content, createdAt } = entry;
    const fresh: OutboxEntry = { id, sender, roomId, eventType, content, createdAt, attempts: 0, ...(stateKey === undefined ? {} : { stateKey }) };
    return [{ type: "put", sublevel: this.entries, key: id, value: fresh } as BatchOp];
  }

  async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.entries.keys()) n += 1;
    return n;
  }
}
