import { asReactionTargetId } from "../platform/ids.js";
import type { ReactionTargetRef } from "../platform/reactions/Reaction.js";

/** A post's or comment's reaction, read back from its mapping ID. */
export interface BlogReaction {
  target: ReactionTargetRef;
  by: string;
  key: string;
}

const TARGET = /^(post|comment):([^|]+)\|/;

/**
 * The reaction a mapping ID (`reactionRefId`: `<kind>:<targetId>|<by>|<key>`) names, when it is
 * on a post or a comment. A Matrix ID may hold `|`, so `by` is matched as given when known;
 * otherwise it is read up to the next `|` (as every account name and ordinary Matrix ID is).
 */
export function blogReactionOf(refId: string, by?: string): BlogReaction | undefined {
  const match = TARGET.exec(refId);
  if (!match) return undefined;
  const rest = refId.slice(match[0].length);
  const reactor = by ?? rest.slice(0, rest.indexOf("|"));
  if (reactor === "" || !rest.startsWith(`${reactor}|`) || rest.length === reactor.length + 1) return undefined;
  return { target: { kind: match[1] as "post" | "comment", id: asReactionTargetId(match[2]!) }, by: reactor, key: rest.slice(reactor.length + 1) };
}
