import type { AppserviceTransaction, PendingTransaction, RoomLaneInput, TransactionInbox } from "../platform/ports/TransactionInbox.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelRoomLanes } from "./LevelRoomLanes.js";
import { encodeSeq, META_KEYS, SUBLEVELS, timeKey } from "./keys.js";

interface InboxRecord {
  txnId: string;
  seq: number;
  receivedAt: number;
  /** Dropped once the transaction is completed. */
  body?: AppserviceTransaction;
  nextEvent: number;
  syncDataHandled?: boolean;
  completedAt?: number;
}

/**
 * Inbox on level: records by txnId, a pending index by arrival sequence, and a
 * completion-time index for pruning; each index entry is written in its record's batch,
 * and a transaction's fan-out into room lanes in the batch that completes it.
 */
export class LevelTransactionInbox implements TransactionInbox {
  private readonly records: JsonSublevel<InboxRecord>;
  private readonly pendingIndex: JsonSublevel<string>;
  private readonly completedIndex: JsonSublevel<string>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private seq = -1;

  constructor(
    private readonly db: RootLevel,
    private readonly lanes: LevelRoomLanes,
  ) {
    this.records = jsonSublevel<InboxRecord>(db, SUBLEVELS.inbox);
    this.pendingIndex = jsonSublevel<string>(db, SUBLEVELS.inboxPending);
    this.completedIndex = jsonSublevel<string>(db, SUBLEVELS.inboxCompletedAt);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  accept(txnId: string, body: AppserviceTransaction, now: number): Promise<boolean> {
    return this.mutex.run(async () => {
      if ((await this.records.get(txnId)) !== undefined) return false;
      if (this.seq < 0) {
        this.seq = await lastSequence(this.meta, META_KEYS.inboxSeq, this.pendingIndex as JsonSublevel<unknown>);
      }
      const seq = this.seq + 1;
      const record: InboxRecord = { txnId, seq, receivedAt: now, body, nextEvent: 0 };
      await this.db.batch([
        { type: "put", sublevel: this.records, key: txnId, value: record },
        { type: "put", sublevel: this.pendingIndex, key: encodeSeq(seq), value: txnId },
        { type: "put", sublevel: this.meta, key: META_KEYS.inboxSeq, value: seq },
      ] as BatchOp[]);
      this.seq = seq;
      return true;
    });
  }

  async pending(): Promise<PendingTransaction[]> {
    const out: PendingTransaction[] = [];
    for await (const txnId of this.pendingIndex.values()) {
      const record = await this.records.get(txnId);
      if (record?.body) {
        out.push({
          txnId,
          body: record.body,
          nextEvent: record.nextEvent,
          receivedAt: record.receivedAt,
          syncDataHandled: record.syncDataHandled === true,
        });
      }
    }
    return out;
  }

  async pendingCount(): Promise<number> {
    let n = 0;
    for await (const _ of this.pendingIndex.keys()) n += 1;
    return n;
  }

  completeSyncData(txnId: string): Promise<void> {
    return this.mutex.run(async () => {
      const record = await this.requireRecord(txnId);
      await this.records.put(txnId, { ...record, syncDataHandled: true });
    });
  }

  fanOut(txnId: string, events: readonly RoomLaneInput[], now: number): Promise<void> {
    return this.lanes.withLock(() =>
      this.mutex.run(async () => {
        const record = await this.requireRecord(txnId);
        if (record.completedAt !== undefined) return;
        const { body: _dropped, ...rest } = record;
        const ops = await this.lanes.enqueueOps(events);
        ops.push(
          { type: "put", sublevel: this.records, key: txnId, value: { ...rest, completedAt: now } } as BatchOp,
          { type: "del", sublevel: this.pendingIndex, key: encodeSeq(record.seq) } as BatchOp,
          { type: "put", sublevel: this.completedIndex, key: timeKey(now, txnId), value: txnId } as BatchOp,
        );
        await this.db.batch(ops);
      }),
    );
  }

  prune(before: number): Promise<number> {
    return this.mutex.run(async () => {
      const ops: BatchOp[] = [];
      for await (const [key, txnId] of this.completedIndex.iterator({ lt: timeKey(before, "") })) {
        ops.push({ type: "del", sublevel: this.completedIndex, key } as BatchOp);
        ops.push({ type: "del", sublevel: this.records, key: txnId } as BatchOp);
      }
      if (ops.length > 0) await this.db.batch(ops);
      return ops.length / 2;
    });
  }

  private async requireRecord(txnId: string): Promise<InboxRecord> {
    const record = await this.records.get(txnId);
    if (!record) throw new Error(`inbox has no transaction ${txnId}`);
    return record;
  }
}
