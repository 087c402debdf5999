import type { PersonId } from "../people/Person.js";
import type { ReactionCounts, ReactionRepository, ReactionTargetRef } from "./Reaction.js";

/** The reactions on a target as one reader sees them. */
export interface ReactionSummary {
  reactions: ReactionCounts;
  /** Keys the reader reacted with; empty for anonymous readers. */
  myReactions: string[];
}

/**
 * Summaries for each target, in order, read in one pass: the page's counter records in one
 * lookup of many keys, then, for a signed-in reader, the reader's own keys on the targets that
 * have any reactions (most have none) in one more.
 */
export async function reactionSummaries(
  repository: Pick<ReactionRepository, "countsMany" | "keysByMany">,
  targets: readonly ReactionTargetRef[],
  reader: PersonId | undefined,
): Promise<ReactionSummary[]> {
  const counts = await repository.countsMany(targets);
  const reacted = reader === undefined ? [] : targets.filter((_, i) => hasAny(counts[i]));
  const mine = reacted.length === 0 ? [] : await repository.keysByMany(reacted, reader!);
  let next = 0;
  return targets.map((_, i) => ({
    reactions: counts[i] ?? {},
    myReactions: reader !== undefined && hasAny(counts[i]) ? (mine[next++] ?? []) : [],
  }));
}

function hasAny(counts: ReactionCounts | undefined): boolean {
  for (const _ in counts) return true;
  return false;
}
