import type { DeadLetters, DeadLetterSummary } from "../platform/ports/DeadLetters.js";
import { jsonSublevel, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelRoomLanes } from "./LevelRoomLanes.js";
import type { DeadLetterRecord } from "./deadLetterRecord.js";
import { encodeSeq, SUBLEVELS } from "./keys.js";

/** Dead letters on level: one sublevel keyed by the event's former lane sequence (oldest first). */
export class LevelDeadLetters implements DeadLetters {
  private readonly records: JsonSublevel<DeadLetterRecord>;

  constructor(
    private readonly db: RootLevel,
    private readonly lanes: LevelRoomLanes,
  ) {
    this.records = jsonSublevel<DeadLetterRecord>(db, SUBLEVELS.deadLetters);
  }

  async list(limit: number): Promise<DeadLetterSummary[]> {
    const records = await this.records.values({ limit }).all();
    return records.map(({ event: _event, ...summary }) => summary);
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.records.keys()) n += 1;
    return n;
  }

  requeue(id: string): Promise<boolean> {
    if (!/^[0-9]{1,16}$/.test(id)) return Promise.resolve(false);
    const key = encodeSeq(Number(id));
    return this.lanes.withLock(async () => {
      const record = await this.records.get(key);
      if (!record) return false;
      const ops = await this.lanes.enqueueOps([{ roomId: record.roomId, event: record.event }]);
      ops.push({ type: "del", sublevel: this.records, key } as BatchOp);
      await this.db.batch(ops);
      return true;
    });
  }
}
