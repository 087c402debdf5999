import type {
  AddReactionResult,
  Reaction,
  ReactionCounts,
  ReactionLimits,
  ReactionRepository,
  ReactionTargetRef,
} from "../platform/reactions/Reaction.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, META_KEYS, prefixRange, SUBLEVELS } from "./keys.js";

const targetKey = (target: ReactionTargetRef) => compositeKey(target.kind, target.id);
const personKey = (target: ReactionTargetRef, by: string) => compositeKey(target.kind, target.id, by);
/** A person's keys in the store's key order (UTF-8 bytes), as a scan of the reactions would list them. */
const inKeyOrder = (keys: string[]) => keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/**
 * Reactions keyed by (target, person, key), a counter record per target and an index from
 * (target, person) to that person's keys, all written in one batch. Counts are handled as
 * Maps: reaction keys are arbitrary text ("__proto__" included), which must never be used as
 * property names on live objects.
 */
export class LevelReactions implements ReactionRepository {
  private readonly reactions: JsonSublevel<Reaction>;
  private readonly counters: JsonSublevel<ReactionCounts>;
  private readonly byPerson: JsonSublevel<string[]>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private indexReady: Promise<void> | undefined;
  private indexBuilt = false;
  /**
   * Counter records read or written lately (none: no reactions), so a page of messages or
   * comments does not read them again; bounded, oldest dropped first. Every change goes through
   * this class and replaces the entry in the same step.
   */
  private readonly countsCache = new Map<string, ReactionCounts | undefined>();
  private writes = 0;

  constructor(
    private readonly db: RootLevel,
    private readonly journal: LevelJournal,
    private readonly countsCacheSize = 50_000,
  ) {
    this.reactions = jsonSublevel<Reaction>(db, SUBLEVELS.reactions);
    this.counters = jsonSublevel<ReactionCounts>(db, SUBLEVELS.reactionCounts);
    this.byPerson = jsonSublevel<string[]>(db, SUBLEVELS.reactionKeysByPerson);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  add(reaction: Reaction, limits: ReactionLimits, events?: JournalRecords): Promise<AddReactionResult> {
    return this.mutex.run(async () => {
      await this.ready();
      const key = compositeKey(reaction.target.kind, reaction.target.id, reaction.by, reaction.key);
      if ((await this.reactions.get(key)) !== undefined) return "present";
      const counts = new Map(Object.entries((await this.counters.get(targetKey(reaction.target))) ?? {}));
      if (!counts.has(reaction.key) && counts.size >= limits.keysPerTarget) return "too-many-keys";
      const mine = (await this.byPerson.get(personKey(reaction.target, reaction.by))) ?? [];
      if (mine.length >= limits.keysPerPerson) return "too-many-by-person";
      counts.set(reaction.key, (counts.get(reaction.key) ?? 0) + 1);
      await this.journal.commit(
        [
        { type: "put", sublevel: this.reactions, key, value: reaction },
        { type: "put", sublevel: this.counters, key: targetKey(reaction.target), value: Object.fromEntries(counts) },
        { type: "put", sublevel: this.byPerson, key: personKey(reaction.target, reaction.by), value: inKeyOrder([...mine, reaction.key]) },
      ] as BatchOp[],
        events,
      );
      this.countsWritten(targetKey(reaction.target), Object.fromEntries(counts));
      return "added";
    });
  }

  remove(target: ReactionTargetRef, by: string, reactionKey: string, events?: JournalRecords): Promise<boolean> {
    return this.mutex.run(async () => {
      await this.ready();
      const key = compositeKey(target.kind, target.id, by, reactionKey);
      if ((await this.reactions.get(key)) === undefined) return false;
      const counts = new Map(Object.entries((await this.counters.get(targetKey(target))) ?? {}));
      const left = (counts.get(reactionKey) ?? 1) - 1;
      if (left > 0) counts.set(reactionKey, left);
      else counts.delete(reactionKey);
      const mine = ((await this.byPerson.get(personKey(target, by))) ?? []).filter((k) => k !== reactionKey);
      await this.journal.commit(
        [
        { type: "del", sublevel: this.reactions, key },
        counts.size > 0
          ? { type: "put", sublevel: this.counters, key: targetKey(target), value: Object.fromEntries(counts) }
          : { type: "del", sublevel: this.counters, key: targetKey(target) },
        mine.length > 0
          ? { type: "put", sublevel: this.byPerson, key: personKey(target, by), value: mine }
          : { type: "del", sublevel: this.byPerson, key: personKey(target, by) },
      ] as BatchOp[],
        events,
      );
      this.countsWritten(targetKey(target), counts.size > 0 ? Object.fromEntries(counts) : undefined);
      return true;
    });
  }

  /** Runs `fn` with reaction writes held off. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /**
   * The reactions on `target` and batch operations deleting them with its counts and per-person
   * index entries. Call inside `withLock`, and `forget(target)` once the batch is written.
   */
  async purgeOps(target: ReactionTargetRef): Promise<{ reactions: Reaction[]; ops: BatchOp[] }> {
    await this.ready();
    const range = prefixRange(target.kind, target.id);
    const reactions = await this.reactions.values(range).all();
    const personKeys = await this.byPerson.keys(range).all();
    const ops = [
      ...reactions.map((reaction) => ({ type: "del", sublevel: this.reactions, key: compositeKey(target.kind, target.id, reaction.by, reaction.key) })),
      ...personKeys.map((key) => ({ type: "del", sublevel: this.byPerson, key })),
      { type: "del", sublevel: this.counters, key: targetKey(target) },
    ] as BatchOp[];
    return { reactions, ops };
  }

  /** Drops what is remembered of `target`'s counts after a purge removed them. */
  forget(target: ReactionTargetRef): void {
    this.countsWritten(targetKey(target), undefined);
  }

  async counts(target: ReactionTargetRef): Promise<ReactionCounts> {
    return (await this.countsMany([target]))[0]!;
  }

  async countsMany(targets: readonly ReactionTargetRef[]): Promise<ReactionCounts[]> {
    if (targets.length === 0) return [];
    const keys = targets.map(targetKey);
    const missing = keys.filter((key) => !this.countsCache.has(key));
    if (missing.length > 0) {
      const before = this.writes;
      const read = await this.counters.getMany(missing);
      // A write while this read ran may have made what was read stale: use it, but do not keep it.
      if (before === this.writes) missing.forEach((key, i) => this.rememberCounts(key, read[i]));
      else return keys.map((key) => (this.countsCache.get(key) ?? read[missing.indexOf(key)]) ?? {});
    }
    return keys.map((key) => this.countsCache.get(key) ?? {});
  }

  async keysBy(target: ReactionTargetRef, by: string): Promise<string[]> {
    return (await this.keysByMany([target], by))[0]!;
  }

  async keysByMany(targets: readonly ReactionTargetRef[], by: string): Promise<string[][]> {
    if (targets.length === 0) return [];
    if (this.indexBuilt !== true) await this.ready();
    return (await this.byPerson.getMany(targets.map((target) => personKey(target, by)))).map((keys) => keys ?? []);
  }

  private countsWritten(key: string, counts: ReactionCounts | undefined): void {
    this.writes += 1;
    this.rememberCounts(key, counts);
  }

  private rememberCounts(key: string, counts: ReactionCounts | undefined): void {
    this.countsCache.delete(key);
    if (this.countsCache.size >= this.countsCacheSize) this.countsCache.delete(this.countsCache.keys().next().value!);
    // Shared with every reader: frozen, so a caller that changed one would fail loudly instead of corrupting it.
    this.countsCache.set(key, counts === undefined ? undefined : Object.freeze(counts));
  }

  /** Builds the (target, person) index from the reactions once, for stores written before it existed. */
  private ready(): Promise<void> {
    this.indexReady ??= (async () => {
      if ((await this.meta.get(META_KEYS.reactionKeysByPersonBuilt)) !== undefined) return;
      const index = new Map<string, string[]>();
      for await (const reaction of this.reactions.values()) {
        const key = personKey(reaction.target, reaction.by);
        index.set(key, inKeyOrder([...(index.get(key) ?? []), reaction.key]));
      }
      await this.db.batch([
        ...[...index].map(([key, value]) => ({ type: "put", sublevel: this.byPerson, key, value })),
        { type: "put", sublevel: this.meta, key: META_KEYS.reactionKeysByPersonBuilt, value: 1 },
      ] as BatchOp[]);
    })().then(() => {
      this.indexBuilt = true;
    }).catch((error: unknown) => {
      this.indexReady = undefined;
      throw error;
    });
    return this.indexReady;
  }
}
