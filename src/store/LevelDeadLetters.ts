import type { DeadLetters, DeadLetterSummary } from "../platform/ports/DeadLetters.js";
import { jsonSublevel, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelJournal } from "./LevelJournal.js";
import type { LevelOutbox } from "./LevelOutbox.js";
import type { LevelRoomLanes } from "./LevelRoomLanes.js";
import type { DeadLetterRecord } from "./deadLetterRecord.js";
import { deadLetterKeyOf, SUBLEVELS } from "./keys.js";

/**
 * Dead letters on level: one sublevel keyed by kind and former sequence (received events
 * first, then sends; oldest first within each). Written by the lanes and the outbox in the
 * batch that removes the entry from its queue; moved back the same way.
 */
export class LevelDeadLetters implements DeadLetters {
  private readonly records: JsonSublevel<DeadLetterRecord>;

  constructor(
    private readonly db: RootLevel,
    private readonly lanes: LevelRoomLanes,
    private readonly outbox: LevelOutbox,
    private readonly journal: LevelJournal,
  ) {
    this.records = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
  }

  async list(limit: number): Promise<DeadLetterSummary[]> {
    const records = await this.records.values({ limit }).all();
    return records.map((record) => {
      const { id, source, roomId, eventId, eventType, sender, attempts, firstFailureAt, lastFailureAt, error } = record;
      return { id, source, roomId, eventId, eventType, sender, attempts, firstFailureAt, lastFailureAt, error };
    });
  }

  /**
   * Batch operations deleting received events set aside that are, or relate to (an edit, a
   * reaction, a reply), one of `eventIds`: they may carry the content of what is being purged.
   */
  async purgeInboundOps(eventIds: ReadonlySet<string>): Promise<BatchOp[]> {
    if (eventIds.size === 0) return [];
    const ops: BatchOp[] = [];
    for await (const [key, record] of this.records.iterator({ gte: "e", lt: "f" })) {
      if (record.source !== "inbox") continue;
      const content = record.event["content"] as { "m.relates_to"?: { event_id?: unknown; "m.in_reply_to"?: { event_id?: unknown } } } | undefined;
      const relatesTo = content?.["m.relates_to"];
      const related = [record.eventId, relatesTo?.event_id, relatesTo?.["m.in_reply_to"]?.event_id];
      if (related.some((id) => typeof id === "string" && eventIds.has(id))) ops.push({ type: "del", sublevel: this.records, key } as BatchOp);
    }
    return ops;
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.records.keys()) n += 1;
    return n;
  }

  async requeue(id: string): Promise<boolean> {
    const key = deadLetterKeyOf(id);
    if (key === undefined) return false;
    if (key.startsWith("j")) return this.requeueJournal(key);
    const queue = key.startsWith("e") ? this.lanes : this.outbox;
    return queue.withLock(async () => {
      const record = await this.records.get(key);
      if (!record) return false;
      const ops =
        record.source === "inbox"
          ? await this.lanes.enqueueOps([{ roomId: record.roomId, event: record.event }])
          : record.source === "outbox"
            ? this.outbox.requeueOps(record.send)
            : [];
      ops.push({ type: "del", sublevel: this.records, key } as BatchOp);
      await this.db.batch(ops);
      return true;
    });
  }

  /** Into the consumer's retries, which it handles before reading on; one batch with removing it here. */
  private async requeueJournal(key: string): Promise<boolean> {
    const record = await this.records.get(key);
    if (!record || !("entry" in record)) return false;
    const consumer = record.source.slice("journal:".length);
    await this.db.batch([...this.journal.requeueOps(consumer, record.entry), { type: "del", sublevel: this.records, key } as BatchOp]);
    return true;
  }
}
