import type { ReactionCounts, ReactionRepository, ReactionTargetRef } from "./Reaction.js";

/** The reactions on a target as one reader sees them. */
export interface ReactionSummary {
  reactions: ReactionCounts;
  /** Keys the reader reacted with; empty for anonymous readers. */
  myReactions: string[];
}

/**
 * Summaries for each target, in order: one counter lookup per page, then, for a signed-in
 * reader, one scan per target that has any reactions at all (most have none).
 */
export async function reactionSummaries(
  repository: Pick<ReactionRepository, "countsMany" | "keysBy">,
  targets: readonly ReactionTargetRef[],
  reader: string | undefined,
): Promise<ReactionSummary[]> {
  const counts = await repository.countsMany(targets);
  const hasAny = (i: number) => Object.keys(counts[i] ?? {}).length > 0;
  const mine = await Promise.all(targets.map((target, i) => (reader === undefined || !hasAny(i) ? Promise.resolve([]) : repository.keysBy(target, reader))));
  return targets.map((_, i) => ({ reactions: counts[i] ?? {}, myReactions: mine[i] ?? [] }));
}
