import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { MessageId, RoomId } from "../ids.js";
import type { Message, MessageRepository } from "./Room.js";

/** Messages, newest first, and the `beforeSeq` of the next page (none: nothing older). */
export interface TimelinePage {
  messages: Message[];
  nextBefore?: number;
}

/** Messages read at most to fill one page of the main timeline, so a room full of thread replies cannot make one request read it all. */
export const MAIN_TIMELINE_SCAN = 1_000;
/** Read in batches of at least this many, so a small page does not cost one read per skipped reply. */
const MIN_BATCH = 50;

/**
 * The room's main timeline before `beforeSeq`: thread replies left out. Stops at `limit` messages
 * or after {@link MAIN_TIMELINE_SCAN} read, so a page may be short; `nextBefore` then resumes
 * right after the last message read.
 */
export async function mainTimelinePage(messages: MessageRepository, roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<TimelinePage> {
  const out: Message[] = [];
  const batchSize = Math.max(options.limit, MIN_BATCH);
  let cursor = options.beforeSeq;
  let scanned = 0;
  while (out.length < options.limit && scanned < MAIN_TIMELINE_SCAN) {
    const batch = await messages.page(roomId, { limit: batchSize, ...(cursor !== undefined ? { beforeSeq: cursor } : {}) });
    for (const message of batch) {
      if (out.length === options.limit || scanned === MAIN_TIMELINE_SCAN) break;
      cursor = message.seq;
      scanned += 1;
      if (message.threadId === undefined) out.push(message);
    }
    if (batch.length < batchSize && (batch.length === 0 || cursor === batch.at(-1)!.seq)) return { messages: out };
  }
  return { messages: out, ...(cursor !== undefined ? { nextBefore: cursor } : {}) };
}

/**
 * The replies of the thread of `rootId` before `beforeSeq`, and the root itself last on the page
 * that reaches the thread's start. NOT_FOUND unless `rootId` is a root in `roomId`.
 */
export async function threadTimelinePage(
  messages: MessageRepository,
  roomId: RoomId,
  rootId: MessageId,
  options: { beforeSeq?: number; limit: number },
): Promise<TimelinePage> {
  const root = await messages.get(rootId);
  if (!root || root.roomId !== roomId || root.threadId !== undefined) throw new MirageError(ErrorCodes.notFound, "thread not found");
  const replies = await messages.threadPage(rootId, options);
  if (replies.length === options.limit) return { messages: replies, nextBefore: replies.at(-1)!.seq };
  return { messages: options.beforeSeq === undefined || root.seq < options.beforeSeq ? [...replies, root] : replies };
}
