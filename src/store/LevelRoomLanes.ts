import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { LaneEvent, LaneFailure, RoomLanes } from "../platform/ports/RoomLanes.js";
import { jsonSublevel, lastSequence, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelOutbox } from "./LevelOutbox.js";
import { afterLane, deadLetterKey, laneKey, META_KEYS, prefixRange, SUBLEVELS } from "./keys.js";
import { inboxDeadLetter, type DeadLetterRecord } from "./deadLetterRecord.js";

/** A new lane entry, before it has a sequence. */
export interface LaneInput {
  roomId: string;
  event: Record<string, unknown>;
}

/**
 * Lanes on level: one sublevel keyed `room \0 seq`, so a room's lane is one key range and the
 * next room is one seek away; the sequence counter lives in `meta` and is written in the
 * batch that uses it.
 */
export class LevelRoomLanes implements RoomLanes {
  private readonly lanes: JsonSublevel<LaneEvent>;
  private readonly deadLetters: JsonSublevel<DeadLetterRecord>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private seq = -1;

  constructor(
    private readonly db: RootLevel,
    private readonly outbox: LevelOutbox,
  ) {
    this.lanes = jsonSublevel<LaneEvent>(db, SUBLEVELS.roomLanes);
    this.deadLetters = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  /** Runs `fn` with sequence allocation locked, so entries are committed in allocation order. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /** Batch operations appending `inputs` to their lanes; call inside `withLock`. */
  async enqueueOps(inputs: readonly LaneInput[]): Promise<BatchOp[]> {
    if (this.seq < 0) this.seq = await lastSequence(this.meta, META_KEYS.laneSeq);
    const ops: BatchOp[] = inputs.map(({ roomId, event }) => {
      this.seq += 1;
      const entry: LaneEvent = { roomId, seq: this.seq, event, attempts: 0 };
      return { type: "put", sublevel: this.lanes, key: laneKey(roomId, this.seq), value: entry } as BatchOp;
    });
    if (ops.length > 0) ops.push({ type: "put", sublevel: this.meta, key: META_KEYS.laneSeq, value: this.seq } as BatchOp);
    return ops;
  }

  async heads(after: string | undefined, limit: number): Promise<LaneEvent[]> {
    const out: LaneEvent[] = [];
    let from = after === undefined ? undefined : afterLane(after);
    while (out.length < limit) {
      const [head] = await this.lanes.values(from === undefined ? { limit: 1 } : { gte: from, limit: 1 }).all();
      if (!head) break;
      out.push(head);
      from = afterLane(head.roomId);
    }
    return out;
  }

  async head(roomId: string): Promise<LaneEvent | undefined> {
    const [head] = await this.lanes.values({ ...prefixRange(roomId), limit: 1 }).all();
    return head;
  }

  complete(entry: LaneEvent, effects: readonly OutboxEntryInput[]): Promise<void> {
    return this.outbox.withLock(() =>
      this.mutex.run(async () => {
        const ops = await this.outbox.enqueueOps(effects, Date.now());
        ops.push({ type: "del", sublevel: this.lanes, key: laneKey(entry.roomId, entry.seq) } as BatchOp);
        await this.db.batch(ops);
      }),
    );
  }

  recordFailure(entry: LaneEvent, failure: LaneFailure & { notBefore: number }): Promise<LaneEvent> {
    return this.mutex.run(async () => {
      const key = laneKey(entry.roomId, entry.seq);
      const stored = (await this.lanes.get(key)) ?? entry;
      const updated: LaneEvent = {
        ...stored,
        attempts: stored.attempts + 1,
        firstFailureAt: stored.firstFailureAt ?? failure.at,
        lastFailureAt: failure.at,
        notBefore: failure.notBefore,
        lastError: failure.error,
      };
      await this.lanes.put(key, updated);
      return updated;
    });
  }

  deadLetter(entry: LaneEvent, failure: LaneFailure): Promise<void> {
    return this.mutex.run(async () => {
      const key = laneKey(entry.roomId, entry.seq);
      const stored = (await this.lanes.get(key)) ?? entry;
      await this.db.batch([
        { type: "del", sublevel: this.lanes, key },
        { type: "put", sublevel: this.deadLetters, key: deadLetterKey("e", entry.seq), value: inboxDeadLetter(stored, failure) },
      ] as BatchOp[]);
    });
  }

  async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.lanes.keys()) n += 1;
    return n;
  }
}
