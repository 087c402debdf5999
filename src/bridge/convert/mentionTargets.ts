import { ROOM_MENTION } from "./scanMentions.js";

/** What a platform message's mentions become in Matrix. */
export interface MentionTargets {
  /** Handle (as `findMentions` spells it) → Matrix user ID, for `pillifyMentions`. */
  pills: Map<string, string>;
  /** For `m.mentions.user_ids`: each mentioned user once. */
  userIds: string[];
  /** For `m.mentions.room`: `@room` was written and the sender may notify the room. */
  room: boolean;
}

/**
 * The Matrix side of `findMentions`' handles: `userIdOf` maps a handle to a Matrix user ID (an
 * account to its ghost, a Matrix ID to itself) or undefined for no such person, who is then not
 * mentioned. `@room` counts only when `allowRoom` (the caller's permission check).
 */
export function mentionTargets(handles: readonly string[], userIdOf: (handle: string) => string | undefined, allowRoom: boolean): MentionTargets {
  const pills = new Map<string, string>();
  let room = false;
  for (const handle of handles) {
    if (handle === ROOM_MENTION) {
      room = allowRoom;
      continue;
    }
    const userId = userIdOf(handle);
    if (userId !== undefined) pills.set(handle, userId);
  }
  return { pills, userIds: [...new Set(pills.values())], room };
}
