import type { ReactionCounts, ReactionRepository, ReactionTargetRef } from "./Reaction.js";

/** The reactions on a target as one reader sees them. */
export interface ReactionSummary {
  reactions: ReactionCounts;
  /** Keys the reader reacted with; empty for anonymous readers. */
  myReactions: string[];
}

/**
 * Summaries for each target, in order, read in one pass: the page's counter records and, for a
 * signed-in reader, the reader's own keys on the page's targets, each as one lookup of many keys.
 */
export async function reactionSummaries(
  repository: Pick<ReactionRepository, "countsMany" | "keysByMany">,
  targets: readonly ReactionTargetRef[],
  reader: string | undefined,
): Promise<ReactionSummary[]> {
  const [counts, mine] = await Promise.all([
    repository.countsMany(targets),
    reader === undefined ? Promise.resolve([]) : repository.keysByMany(targets, reader),
  ]);
  return targets.map((_, i) => ({ reactions: counts[i] ?? {}, myReactions: mine[i] ?? [] }));
}
