import type { Journal, JournalCursor, JournalEntry, JournalFailure, JournalRecords, JournalRetry } from "../platform/ports/Journal.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { DeadLetterRecord } from "./deadLetterRecord.js";
import type { LevelIdMapping } from "./LevelIdMapping.js";
import type { MappingLink } from "../platform/ports/IdMapping.js";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import { compositeKey, journalDeadLetterId, journalDeadLetterKey, journalKey, META_KEYS, prefixRange, SUBLEVELS } from "./keys.js";

const START: JournalCursor = { position: 0, attempts: 0 };

/**
 * The journal on level: entries keyed by fixed-width position, consumer cursors by name, the
 * last position in `meta` (so pruning never lets a position be reused). Every repository write
 * goes through `commit`, which assigns positions and writes the batch under one lock: positions
 * are handed out in commit order, and the counter in memory moves only after the batch succeeded.
 */
export class LevelJournal implements Journal {
  private readonly entries: JsonSublevel<JournalEntry>;
  private readonly cursors: JsonSublevel<JournalCursor>;
  private readonly deadLetters: JsonSublevel<DeadLetterRecord>;
  private readonly retryQueue: JsonSublevel<JournalRetry>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<() => void>();
  private seq = -1;

  constructor(
    private readonly db: RootLevel,
    private readonly mapping: LevelIdMapping,
  ) {
    this.entries = jsonSublevel<JournalEntry>(db, SUBLEVELS.journal);
    this.cursors = jsonSublevel<JournalCursor>(db, SUBLEVELS.journalCursors);
    this.deadLetters = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
    this.retryQueue = jsonSublevel<JournalRetry>(db, SUBLEVELS.journalRetries);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  /**
   * Writes `ops` and one entry per record in one batch. Repositories call it (inside their own
   * lock) for every write, so an entry never exists without its change nor a change without its entry.
   */
  commit(ops: readonly BatchOp[], records: JournalRecords = []): Promise<void> {
    if (records.length === 0) return this.db.batch([...ops]);
    const links: MappingLink[] = records.flatMap(({ origin }) =>
      origin && !origin.ephemeral ? [{ ref: origin.ref ?? { kind: "event", id: origin.eventId }, roomId: origin.roomId, eventId: origin.eventId, origin: "matrix" }] : [],
    );
    if (links.length === 0) return this.append(ops, records, []);
    // The import's link is written with its change: a replay of the Matrix event finds it first.
    return this.mapping.withLock(async () => this.append(ops, records, await this.mapping.linkOps(links)));
  }

  private append(ops: readonly BatchOp[], records: JournalRecords, linkOps: readonly BatchOp[]): Promise<void> {
    return this.mutex.run(async () => {
      const last = await this.last();
      const entries = records.map((record, i) => ({ ...record, position: last + i + 1 }));
      const next = last + entries.length;
      await this.db.batch([
        ...ops,
        ...linkOps,
        ...entries.map((entry) => ({ type: "put", sublevel: this.entries, key: journalKey(entry.position), value: entry }) as BatchOp),
        { type: "put", sublevel: this.meta, key: META_KEYS.journalSeq, value: next } as BatchOp,
      ]);
      this.seq = next;
      for (const listener of this.listeners) {
        try {
          listener();
        } catch {
          // A listener only wakes a consumer; the commit stands regardless.
        }
      }
    });
  }

  async read(after: number, limit: number): Promise<JournalEntry[]> {
    return this.entries.values({ gt: journalKey(after), limit }).all();
  }

  head(): Promise<number> {
    return this.mutex.run(() => this.last());
  }

  async cursor(consumer: string): Promise<JournalCursor> {
    return (await this.cursors.get(consumer)) ?? START;
  }

  setCursor(consumer: string, cursor: JournalCursor): Promise<void> {
    return this.cursors.put(consumer, cursor);
  }

  async deadLetter(
    consumer: string,
    entry: JournalEntry,
    failure: JournalFailure & { attempts: number; firstFailureAt: number },
    from: "cursor" | "retry",
  ): Promise<void> {
    const record: DeadLetterRecord = {
      id: journalDeadLetterId(entry.position, consumer),
      source: `journal:${consumer}`,
      roomId: roomOf(entry),
      eventId: "",
      eventType: entry.event.type,
      sender: entry.event.by,
      attempts: failure.attempts,
      firstFailureAt: failure.firstFailureAt,
      lastFailureAt: failure.at,
      error: failure.error,
      entry,
    };
    await this.db.batch([
      { type: "put", sublevel: this.deadLetters, key: journalDeadLetterKey(entry.position, consumer), value: record },
      from === "cursor"
        ? { type: "put", sublevel: this.cursors, key: consumer, value: { position: entry.position, attempts: 0 } }
        : { type: "del", sublevel: this.retryQueue, key: retryKey(consumer, entry.position) },
    ] as BatchOp[]);
  }

  retries(consumer: string, limit: number): Promise<JournalRetry[]> {
    return this.retryQueue.values({ ...prefixRange(consumer), limit }).all();
  }

  setRetry(consumer: string, retry: JournalRetry): Promise<void> {
    return this.retryQueue.put(retryKey(consumer, retry.entry.position), retry);
  }

  completeRetry(consumer: string, position: number): Promise<void> {
    return this.retryQueue.del(retryKey(consumer, position));
  }

  /** Batch operations putting a dead-lettered entry back for `consumer` with a fresh budget. */
  requeueOps(consumer: string, entry: JournalEntry): BatchOp[] {
    return [{ type: "put", sublevel: this.retryQueue, key: retryKey(consumer, entry.position), value: { entry, attempts: 0 } } as BatchOp];
  }

  async prune(upTo: number, limit: number): Promise<number> {
    const keys = await this.entries.keys({ lte: journalKey(upTo), limit }).all();
    if (keys.length > 0) await this.entries.batch(keys.map((key) => ({ type: "del" as const, key })));
    return keys.length;
  }

  /**
   * Batch operations deleting the entries `matches` (and their retries and dead letters): for a
   * purge, whose entries may name what must leave no trace (a reaction's key). Their positions stay
   * used: consumers read past the gap. Scans what the journal still keeps: for rare, off-path purges.
   */
  async purgeOps(matches: (event: DomainEvent) => boolean): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for await (const [key, entry] of this.entries.iterator()) {
      if (matches(entry.event)) ops.push({ type: "del", sublevel: this.entries, key } as BatchOp);
    }
    for await (const [key, retry] of this.retryQueue.iterator()) {
      if (matches(retry.entry.event)) ops.push({ type: "del", sublevel: this.retryQueue, key } as BatchOp);
    }
    for await (const [key, record] of this.deadLetters.iterator({ gte: "j", lt: "k" })) {
      if ("entry" in record && matches(record.entry.event)) ops.push({ type: "del", sublevel: this.deadLetters, key } as BatchOp);
    }
    return ops;
  }

  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Call inside the lock. */
  private async last(): Promise<number> {
    if (this.seq < 0) this.seq = await lastSequence(this.meta, META_KEYS.journalSeq, this.entries as unknown as JsonSublevel<unknown>);
    return this.seq;
  }
}

function retryKey(consumer: string, position: number): string {
  return compositeKey(consumer, journalKey(position));
}

function roomOf(entry: JournalEntry): string {
  const { event } = entry;
  if ("roomId" in event) return event.roomId;
  if ("target" in event) return event.target.roomId ?? "";
  return "";
}
