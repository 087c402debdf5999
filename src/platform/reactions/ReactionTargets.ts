import type { ReactionTargetId, RoomId } from "../ids.js";
import type { PersonId } from "../people/Person.js";

/** What the reaction service needs to know about a target it may react to. */
export interface ReactionTargetInfo {
  /** Mirage accounts to tell about reactions on it (its author, …); the reactor is added by the service. */
  audience: readonly string[];
  /** The room of a chat message, carried on reaction events for routing. */
  roomId?: RoomId;
  /** Set when the reader may see the target but not add reactions (why, for them to read); taking back stays allowed. */
  refusesNew?: string;
}

/**
 * The port through which the reaction service checks targets of one kind. Called before every
 * reaction is added or removed. Blogs provide it for posts and comments; the composition root
 * provides it for chat messages.
 */
export interface ReactionTargets {
  /**
   * The target as `reader` may see it, or undefined when it does not exist, is deleted, or is
   * hidden from `reader` (all answered NOT_FOUND, so hidden things do not leak).
   */
  find(id: ReactionTargetId, reader: PersonId): Promise<ReactionTargetInfo | undefined>;
}
