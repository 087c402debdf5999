import type { ReactionTarget } from "../events/DomainEvent.js";
import type { ReactionTargetId } from "../ids.js";
import type { JournalRecords } from "../ports/Journal.js";
import type { PersonId } from "../people/Person.js";

export type ReactionTargetKind = ReactionTarget["kind"];

/** What a reaction is on: a post, a comment or a chat message, by id. */
export interface ReactionTargetRef {
  kind: ReactionTargetKind;
  id: ReactionTargetId;
}

/** One person's reaction with one key on one target; there is at most one per (target, by, key). */
export interface Reaction {
  target: ReactionTargetRef;
  /** NFC-normalized, 1–64 characters, no control characters (see `normalizeReactionKey`). */
  key: string;
  /** A Mirage account name or a Matrix user ID, in canonical form. */
  by: PersonId;
  at: number;
}

/** How many people reacted with each key; keys with no reactions are absent. */
export type ReactionCounts = Record<string, number>;

/** Bounds that keep a target's counter record small. */
export interface ReactionLimits {
  /** Distinct keys on one target. */
  keysPerTarget: number;
  /** Keys one person may use on one target. */
  keysPerPerson: number;
}

export type AddReactionResult = "added" | "present" | "too-many-keys" | "too-many-by-person";

/**
 * Reactions and a counter record per target. The counter record is written in the same batch
 * as every reaction added or removed, so counts always equal the reactions stored and reading
 * them costs one lookup. `events` are journaled in the batch of a write that changes something,
 * and dropped with one that does not.
 */
export interface ReactionRepository {
  /** Adds the reaction unless present; refuses (writing nothing) when a limit would be exceeded. */
  add(reaction: Reaction, limits: ReactionLimits, events?: JournalRecords): Promise<AddReactionResult>;
  /** Removes the reaction; resolves false when there was none. */
  remove(target: ReactionTargetRef, by: PersonId, key: string, events?: JournalRecords): Promise<boolean>;
  counts(target: ReactionTargetRef): Promise<ReactionCounts>;
  /** Counts for each target, in order. */
  countsMany(targets: readonly ReactionTargetRef[]): Promise<ReactionCounts[]>;
  /** The keys `by` has reacted with on the target. */
  keysBy(target: ReactionTargetRef, by: PersonId): Promise<string[]>;
  /** The keys `by` has reacted with on each target, in order: one lookup for a whole page. */
  keysByMany(targets: readonly ReactionTargetRef[], by: PersonId): Promise<string[][]>;
}
