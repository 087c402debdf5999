import type { MessageId, RoomId } from "../platform/ids.js";
import type { Message, MessageRepository, ThreadSummary } from "../platform/chat/Room.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import type { LevelReadMarkers } from "./LevelReadMarkers.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, encodeSeq, prefixRange, SUBLEVELS } from "./keys.js";

/**
 * Messages by id, a per-room timeline index by sequence (and one of its tombstones), each room's
 * last sequence, and per thread root its replies (index) and summary.
 */
export class LevelMessages implements MessageRepository {
  private readonly messages: JsonSublevel<Message>;
  private readonly timeline: JsonSublevel<string>;
  private readonly seqs: JsonSublevel<number>;
  private readonly threads: JsonSublevel<string>;
  private readonly summaries: JsonSublevel<ThreadSummary>;
  private readonly deletedIndex: JsonSublevel<string>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
    private readonly markers: LevelReadMarkers,
  ) {
    this.messages = jsonSublevel<Message>(db, SUBLEVELS.messages);
    this.timeline = jsonSublevel<string>(db, SUBLEVELS.roomTimeline);
    this.seqs = jsonSublevel<number>(db, SUBLEVELS.roomSeq);
    this.threads = jsonSublevel<string>(db, SUBLEVELS.threadTimeline);
    this.summaries = jsonSublevel<ThreadSummary>(db, SUBLEVELS.threadSummaries);
    this.deletedIndex = jsonSublevel<string>(db, SUBLEVELS.roomDeleted);
  }

  append(input: Omit<Message, "seq">, events?: JournalRecords): Promise<Message> {
    return this.mutex.run(async () => {
      const seq = ((await this.seqs.get(input.roomId)) ?? 0) + 1;
      const message: Message = { ...input, seq };
      const ops = [
        { type: "put", sublevel: this.messages, key: message.id, value: message },
        { type: "put", sublevel: this.timeline, key: compositeKey(message.roomId, encodeSeq(seq)), value: message.id },
        { type: "put", sublevel: this.seqs, key: message.roomId, value: seq },
        // Sending is reading: the sender's marker moves to their message, the newest of the room.
        this.markers.putOp({ roomId: message.roomId, member: message.sender, messageId: message.id, seq, at: message.createdAt }),
      ] as BatchOp[];
      if (message.threadId !== undefined) {
        // Appends are serialized by the mutex, so the summary read here is the latest.
        const count = ((await this.summaries.get(message.threadId))?.count ?? 0) + 1;
        ops.push(
          { type: "put", sublevel: this.threads, key: compositeKey(message.threadId, encodeSeq(seq)), value: message.id } as BatchOp,
          { type: "put", sublevel: this.summaries, key: message.threadId, value: { count, latestId: message.id } } as BatchOp,
        );
      }
      await this.markers.withLock(() => this.journal.commit(ops, events));
      return message;
    });
  }

  /** Runs `fn` with appends and updates held off (a purge reads the thread it corrects under it). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /**
   * Batch operations deleting `message` and its index entries; a reply leaves its thread's
   * summary counting one fewer (and naming the newest reply left), and a root keeps its thread's
   * index and summary, which its replies still use. Call inside `withLock`.
   */
  async purgeOps(message: Message): Promise<BatchOp[]> {
    const ops = [
      { type: "del", sublevel: this.messages, key: message.id },
      { type: "del", sublevel: this.timeline, key: compositeKey(message.roomId, encodeSeq(message.seq)) },
      { type: "del", sublevel: this.deletedIndex, key: compositeKey(message.roomId, encodeSeq(message.seq)) },
    ] as BatchOp[];
    if (message.threadId === undefined) return ops;
    const ownKey = compositeKey(message.threadId, encodeSeq(message.seq));
    ops.push({ type: "del", sublevel: this.threads, key: ownKey } as BatchOp);
    const summary = await this.summaries.get(message.threadId);
    if (!summary) return ops;
    const latest =
      summary.latestId === message.id
        ? (await this.threads.values({ gte: prefixRange(message.threadId).gte, lt: ownKey, reverse: true, limit: 1 }).all())[0]
        : summary.latestId;
    ops.push(
      summary.count <= 1 || latest === undefined
        ? ({ type: "del", sublevel: this.summaries, key: message.threadId } as BatchOp)
        : ({ type: "put", sublevel: this.summaries, key: message.threadId, value: { count: summary.count - 1, latestId: latest } } as BatchOp),
    );
    return ops;
  }

  get(id: MessageId): Promise<Message | undefined> {
    return this.messages.get(id);
  }

  update(message: Message, events?: JournalRecords): Promise<void> {
    const ops = [{ type: "put", sublevel: this.messages, key: message.id, value: message } as BatchOp];
    if (message.deleted) ops.push({ type: "put", sublevel: this.deletedIndex, key: compositeKey(message.roomId, encodeSeq(message.seq)), value: message.id } as BatchOp);
    return this.mutex.run(() => this.journal.commit(ops, events));
  }

  /**
   * Counted from keys alone, never records: the timeline's entries after `afterSeq` less its
   * tombstones there, each range read at most so far, so a room's count costs at most
   * `cap` + `TOMBSTONES_COUNTED` keys however long its history.
   */
  async countLiveAfter(roomId: RoomId, afterSeq: number, cap: number): Promise<number> {
    const range = { gt: compositeKey(roomId, encodeSeq(afterSeq)), lt: prefixRange(roomId).lt };
    const tombstones = await countKeys(this.deletedIndex, range, TOMBSTONES_COUNTED);
    const entries = await countKeys(this.timeline, range, cap + tombstones);
    return Math.min(cap, Math.max(0, entries - tombstones));
  }

  /**
   * Sequences are given out densely (1, 2, … per room), so a page is read by key from the
   * newest wanted sequence down, which costs far less than an iterator; should an entry be
   * missing, the timeline is scanned instead.
   */
  async page(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<Message[]> {
    const last = (await this.seqs.get(roomId)) ?? 0;
    const newest = Math.min(last, (options.beforeSeq ?? Number.POSITIVE_INFINITY) - 1);
    const count = Math.max(0, Math.min(options.limit, newest));
    if (count === 0) return [];
    const keys = Array.from({ length: count }, (_, i) => compositeKey(roomId, encodeSeq(newest - i)));
    let ids = await this.timeline.getMany(keys);
    if (ids.some((id) => id === undefined)) {
      const range = prefixRange(roomId);
      const lt = options.beforeSeq === undefined ? range.lt : compositeKey(roomId, encodeSeq(options.beforeSeq));
      ids = await this.timeline.values({ gte: range.gte, lt, reverse: true, limit: options.limit }).all();
    }
    const messages = await this.messages.getMany(ids as string[]);
    return messages.filter((m): m is Message => m !== undefined);
  }

  async threadPage(rootId: MessageId, options: { beforeSeq?: number; limit: number }): Promise<Message[]> {
    const range = prefixRange(rootId);
    const lt = options.beforeSeq === undefined ? range.lt : compositeKey(rootId, encodeSeq(options.beforeSeq));
    const ids = await this.threads.values({ gte: range.gte, lt, reverse: true, limit: options.limit }).all();
    const messages = await this.messages.getMany(ids);
    return messages.filter((m): m is Message => m !== undefined);
  }

  async threadSummaries(rootIds: readonly MessageId[]): Promise<Array<ThreadSummary | undefined>> {
    return rootIds.length === 0 ? [] : this.summaries.getMany([...rootIds]);
  }
}

/** Tombstones at most counted past a marker; beyond that an unread count may overstate. */
const TOMBSTONES_COUNTED = 10_000;

async function countKeys(sublevel: JsonSublevel<string>, range: { gt: string; lt: string }, limit: number): Promise<number> {
  let count = 0;
  for await (const _key of sublevel.keys({ ...range, limit })) count += 1;
  return count;
}
