import type { MappingLink } from "../platform/ports/IdMapping.js";
import type { FailureReport, Outbox, OutboxEntry, OutboxEntryInput, PermanentFailure, SendFailure } from "../platform/ports/Outbox.js";
import { assertOutboxOperations } from "../platform/outbox/validateOutboxOperation.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, decodeSeq, deadLetterKey, encodeSeq, META_KEYS, SUBLEVELS } from "./keys.js";
import { refText } from "../platform/ports/IdMapping.js";
import { outboxDeadLetter, type DeadLetterRecord } from "./deadLetterRecord.js";
import type { LevelIdMapping } from "./LevelIdMapping.js";

/**
 * Outbox on level: one sublevel keyed by sequence, counter in `meta`; dead letters go to their
 * own sublevel, with a pending failure report keyed by the entry's id; a carried-out entry's
 * Matrix IDs go to the ID mapping in the batch that removes it.
 */
export class LevelOutbox implements Outbox {
  private readonly entries: JsonSublevel<OutboxEntry>;
  private readonly meta: JsonSublevel<number>;
  private readonly deadLetters: JsonSublevel<DeadLetterRecord>;
  private readonly failures: JsonSublevel<FailureReport>;
  private readonly receipts: JsonSublevel<number>;
  private readonly receiptSlots: JsonSublevel<string>;
  private readonly mutex = new Mutex();
  private seq = -1;

  constructor(
    private readonly db: RootLevel,
    private readonly mapping: LevelIdMapping,
  ) {
    this.entries = jsonSublevel<OutboxEntry>(db, SUBLEVELS.outbox);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
    this.deadLetters = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
    this.failures = jsonSublevel<FailureReport>(db, SUBLEVELS.outboxFailures);
    this.receipts = jsonSublevel<number>(db, SUBLEVELS.outboxReceipts);
    this.receiptSlots = jsonSublevel<string>(db, SUBLEVELS.outboxReceiptSlots);
  }

  /** Batch operations that enqueue `inputs` (validated first); used by other repositories to enqueue atomically. */
  async enqueueOps(inputs: readonly OutboxEntryInput[], now: number): Promise<BatchOp[]> {
    assertOutboxOperations(inputs);
    if (this.seq < 0) {
      this.seq = await lastSequence(this.meta, META_KEYS.outboxSeq, this.entries as JsonSublevel<unknown>);
    }
    const ops: BatchOp[] = [];
    const slotsTaken = new Map<string, string>();
    for (const input of inputs) {
      this.seq += 1;
      const id = encodeSeq(this.seq);
      const entry: OutboxEntry = { ...input, id, createdAt: now, attempts: 0 };
      ops.push({ type: "put", sublevel: this.entries, key: id, value: entry } as BatchOp);
      if (input.op !== "receipt") continue;
      // Only the newest receipt matters: it takes the place of one still waiting (at the end of the
      // queue, behind the sends of its room). One already being sent goes out; its completion finds it gone.
      const slot = compositeKey(input.sender, input.roomId ?? (input.room ? refText(input.room) : ""));
      const waiting = slotsTaken.get(slot) ?? (await this.receiptSlots.get(slot));
      if (waiting !== undefined) ops.push({ type: "del", sublevel: this.entries, key: waiting } as BatchOp);
      ops.push({ type: "put", sublevel: this.receiptSlots, key: slot, value: id } as BatchOp);
      slotsTaken.set(slot, id);
    }
    if (ops.length > 0) ops.push({ type: "put", sublevel: this.meta, key: META_KEYS.outboxSeq, value: this.seq } as BatchOp);
    return ops;
  }

  /** Runs `fn` with sequence allocation locked, so ids are committed in allocation order. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  enqueue(inputs: readonly OutboxEntryInput[], now: number, receipt?: string): Promise<void> {
    if (inputs.length === 0 && receipt === undefined) return Promise.resolve();
    return this.withLock(async () => {
      const ops = await this.enqueueOps(inputs, now);
      if (receipt !== undefined) ops.push({ type: "put", sublevel: this.receipts, key: receipt, value: now } as BatchOp);
      await this.db.batch(ops);
    });
  }

  /**
   * Batch operations deleting every queued entry `matches` (with its pending failure report) and
   * every send dead letter whose entry it matches; call inside `withLock`. Scans the queue and the
   * dead letters: for rare, off-path purges.
   */
  async purgeOps(matches: (entry: OutboxEntry) => boolean): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    for await (const [key, entry] of this.entries.iterator()) {
      if (!matches(withOperationKind(entry))) continue;
      ops.push({ type: "del", sublevel: this.entries, key } as BatchOp, { type: "del", sublevel: this.failures, key } as BatchOp);
    }
    for await (const [key, report] of this.failures.iterator()) {
      if (matches(report.entry)) ops.push({ type: "del", sublevel: this.failures, key } as BatchOp);
    }
    for await (const [key, record] of this.deadLetters.iterator({ gte: "s", lt: "t" })) {
      if (record.source === "outbox" && matches(record.send)) ops.push({ type: "del", sublevel: this.deadLetters, key } as BatchOp);
    }
    return ops;
  }

  async hasReceipt(receipt: string): Promise<boolean> {
    return (await this.receipts.get(receipt)) !== undefined;
  }

  async pruneReceipts(before: number, limit: number): Promise<number> {
    const old: string[] = [];
    for await (const [key, at] of this.receipts.iterator()) {
      if (at < before) old.push(key);
      if (old.length >= limit) break;
    }
    if (old.length > 0) await this.db.batch(old.map((key) => ({ type: "del", sublevel: this.receipts, key }) as BatchOp));
    return old.length;
  }

  async peek(limit: number, after?: string): Promise<OutboxEntry[]> {
    const stored = await this.entries.values(after === undefined ? { limit } : { gt: after, limit }).all();
    return stored.map(withOperationKind);
  }

  async remove(id: string): Promise<void> {
    await this.entries.del(id);
  }

  async complete(id: string, links: readonly MappingLink[]): Promise<boolean> {
    if (links.length === 0) {
      await this.remove(id);
      return true;
    }
    // Under the mapping's lock, which a purge holds while it deletes entries and links: either the
    // links land before (and the purge finds them) or the entry is found gone here.
    return this.mapping.withLock(async () => {
      if ((await this.entries.get(id)) === undefined) return false;
      const ops = await this.mapping.linkOps(links);
      ops.push({ type: "del", sublevel: this.entries, key: id } as BatchOp);
      await this.db.batch(ops);
      return true;
    });
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

  deadLetter(entry: OutboxEntry, failure: PermanentFailure): Promise<void> {
    return this.mutex.run(async () => {
      const stored = await this.entries.get(entry.id);
      if (!stored) return;
      const dead = withOperationKind(stored);
      const report: FailureReport = { entry: dead, failure };
      await this.db.batch([
        { type: "del", sublevel: this.entries, key: entry.id },
        { type: "put", sublevel: this.deadLetters, key: deadLetterKey("s", decodeSeq(entry.id)), value: outboxDeadLetter(dead, failure) },
        { type: "put", sublevel: this.failures, key: entry.id, value: report },
      ] as BatchOp[]);
    });
  }

  async pendingFailures(limit: number): Promise<FailureReport[]> {
    return this.failures.values({ limit }).all();
  }

  async acknowledgeFailure(id: string): Promise<void> {
    await this.failures.del(id);
  }

  /** Batch operations putting a dead-lettered send back under its own id with a fresh budget; call inside `withLock`. */
  requeueOps(entry: OutboxEntry): BatchOp[] {
    const { attempts: _a, firstFailureAt: _f, lastFailureAt: _l, notBefore: _n, lastError: _e, ...operation } = withOperationKind(entry);
    const fresh = { ...operation, attempts: 0 } as OutboxEntry;
    return [{ type: "put", sublevel: this.entries, key: entry.id, value: fresh } as BatchOp];
  }

  async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.entries.keys()) n += 1;
    return n;
  }
}

/** Entries stored before operations had kinds were plain sends or state events. */
function withOperationKind(entry: OutboxEntry): OutboxEntry {
  if ((entry as { op?: string }).op !== undefined) return entry;
  const legacy = entry as unknown as { stateKey?: string };
  return { ...entry, op: legacy.stateKey === undefined ? "send" : "state" } as OutboxEntry;
}
