import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { MessageId, RoomId } from "../ids.js";
import type { Message } from "./Room.js";

/** Where a new message goes: the quoting or in-thread reply target, and the thread it is in. */
export interface ThreadPlacement {
  parentId?: MessageId;
  threadId?: MessageId;
}

const invalid = (message: string) => new MirageError(ErrorCodes.invalidInput, message);

/**
 * Checks a new message's `parentId` and `threadId` against the messages they name and derives the
 * thread: both must be messages of `roomId` (a tombstone still takes replies); `threadId` names a
 * root, never a message inside a thread; a parent inside a thread puts the reply in that thread;
 * with both, the parent is the root or one of its replies. INVALID_INPUT otherwise.
 */
export async function threadPlacement(
  roomId: RoomId,
  input: ThreadPlacement,
  get: (id: MessageId) => Promise<Message | undefined>,
): Promise<ThreadPlacement> {
  const inRoom = async (id: MessageId | undefined, field: string) => {
    if (id === undefined) return undefined;
    const message = await get(id);
    if (!message || message.roomId !== roomId) throw invalid(`${field} must be a message in the same room`);
    return message;
  };
  const parent = await inRoom(input.parentId, "parentId");
  const root = await inRoom(input.threadId, "threadId");
  if (root?.threadId !== undefined) throw invalid("threadId must be a thread's root, not a message inside a thread");
  if (root && parent && parent.id !== root.id && parent.threadId !== root.id) throw invalid("parentId must be the thread's root or a message in that thread");
  const threadId = root?.id ?? parent?.threadId;
  return { ...(parent ? { parentId: parent.id } : {}), ...(threadId !== undefined ? { threadId } : {}) };
}
