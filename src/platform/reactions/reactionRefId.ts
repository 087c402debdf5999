import type { ReactionTargetRef } from "./Reaction.js";

/**
 * One person's reaction with one key on one target, as the ID mapping names it: the same
 * reaction always gets the same ID, so its Matrix event is found to redact it.
 */
export function reactionRefId(target: ReactionTargetRef, by: string, key: string): string {
  return `${target.kind}:${target.id}|${by}|${key}`;
}
