import type { ReactionCounts, ReactionRepository, ReactionTargetRef } from "./Reaction.js";

/** The reactions on a target as one reader sees them. */
export interface ReactionSummary {
  reactions: ReactionCounts;
  /** Keys the reader reacted with; empty for anonymous readers. */
  myReactions: string[];
}

/** Summaries for each target, in order: one counter lookup per page plus one scan per target for a signed-in reader. */
export async function reactionSummaries(
  repository: Pick<ReactionRepository, "countsMany" | "keysBy">,
  targets: readonly ReactionTargetRef[],
  reader: string | undefined,
): Promise<ReactionSummary[]> {
  const [counts, mine] = await Promise.all([
    repository.countsMany(targets),
    Promise.all(targets.map((target) => (reader === undefined ? Promise.resolve([]) : repository.keysBy(target, reader)))),
  ]);
  return targets.map((_, i) => ({ reactions: counts[i] ?? {}, myReactions: mine[i] ?? [] }));
}
