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
import { compositeKey, prefixRange, SUBLEVELS } from "./keys.js";

const targetKey = (target: ReactionTargetRef) => compositeKey(target.kind, target.id);

/**
 * Reactions keyed by (target, person, key) and a counter record per target, written in one
 * batch. Counts are handled as Maps: reaction keys are arbitrary text ("__proto__" included),
 * which must never be used as property names on live objects.
 */
export class LevelReactions implements ReactionRepository {
  private readonly reactions: JsonSublevel<Reaction>;
  private readonly counters: JsonSublevel<ReactionCounts>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.reactions = jsonSublevel<Reaction>(db, SUBLEVELS.reactions);
    this.counters = jsonSublevel<ReactionCounts>(db, SUBLEVELS.reactionCounts);
  }

  add(reaction: Reaction, limits: ReactionLimits, events?: JournalRecords): Promise<AddReactionResult> {
    return this.mutex.run(async () => {
      const key = compositeKey(reaction.target.kind, reaction.target.id, reaction.by, reaction.key);
      if ((await this.reactions.get(key)) !== undefined) return "present";
      const counts = new Map(Object.entries((await this.counters.get(targetKey(reaction.target))) ?? {}));
      if (!counts.has(reaction.key) && counts.size >= limits.keysPerTarget) return "too-many-keys";
      if ((await this.keysBy(reaction.target, reaction.by)).length >= limits.keysPerPerson) return "too-many-by-person";
      counts.set(reaction.key, (counts.get(reaction.key) ?? 0) + 1);
      await this.journal.commit(
        [
          { type: "put", sublevel: this.reactions, key, value: reaction },
          { type: "put", sublevel: this.counters, key: targetKey(reaction.target), value: Object.fromEntries(counts) },
        ] as BatchOp[],
        events,
      );
      return "added";
    });
  }

  remove(target: ReactionTargetRef, by: string, reactionKey: string, events?: JournalRecords): Promise<boolean> {
    return this.mutex.run(async () => {
      const key = compositeKey(target.kind, target.id, by, reactionKey);
      if ((await this.reactions.get(key)) === undefined) return false;
      const counts = new Map(Object.entries((await this.counters.get(targetKey(target))) ?? {}));
      const left = (counts.get(reactionKey) ?? 1) - 1;
      if (left > 0) counts.set(reactionKey, left);
      else counts.delete(reactionKey);
      await this.journal.commit(
        [
          { type: "del", sublevel: this.reactions, key },
          counts.size > 0
            ? { type: "put", sublevel: this.counters, key: targetKey(target), value: Object.fromEntries(counts) }
            : { type: "del", sublevel: this.counters, key: targetKey(target) },
        ] as BatchOp[],
        events,
      );
      return true;
    });
  }

  async counts(target: ReactionTargetRef): Promise<ReactionCounts> {
    return (await this.counters.get(targetKey(target))) ?? {};
  }

  async countsMany(targets: readonly ReactionTargetRef[]): Promise<ReactionCounts[]> {
    if (targets.length === 0) return [];
    return (await this.counters.getMany(targets.map(targetKey))).map((counts) => counts ?? {});
  }

  async keysBy(target: ReactionTargetRef, by: string): Promise<string[]> {
    const reactions = await this.reactions.values(prefixRange(target.kind, target.id, by)).all();
    return reactions.map((reaction) => reaction.key);
  }
}
