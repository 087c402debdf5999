import type { MessageId, RoomId } from "../ids.js";
import type { PersonId } from "../people/Person.js";
import { messageExcerpt } from "./messageExcerpt.js";
import type { ReadMarkerRepository } from "./ReadMarker.js";
import type { MessageRepository } from "./Room.js";

/** Unread counts stop here ("1000+" for a client). */
export const UNREAD_COUNT_MAX = 1000;
/** Newest timeline entries looked through for the last message that is not a tombstone. */
const LAST_MESSAGE_LOOKBACK = 20;

/** A room at a glance for one member who may read it. */
export interface RoomActivity {
  /**
   * Messages (thread replies included, tombstones not) after the member's read marker, at most
   * {@link UNREAD_COUNT_MAX}. Sending moves the sender's marker, so these are others' messages;
   * without a marker (never read, or left and came back) every message counts.
   */
  unreadCount: number;
  /** The message the member's marker is at (it may since have been deleted or expired). */
  readUpTo?: MessageId;
  /** The room's newest message that is not a tombstone, among its newest few entries. */
  lastMessage?: { id: MessageId; sender: PersonId; excerpt: string; createdAt: number };
}

/** Reads a bounded number of keys and records whatever the room's size: a marker, two key counts, one short page. */
export async function roomActivity(deps: { messages: MessageRepository; markers: ReadMarkerRepository }, roomId: RoomId, member: PersonId): Promise<RoomActivity> {
  const [marker, newest] = await Promise.all([deps.markers.get(roomId, member), deps.messages.page(roomId, { limit: LAST_MESSAGE_LOOKBACK })]);
  const unreadCount = await deps.messages.countLiveAfter(roomId, marker?.seq ?? 0, UNREAD_COUNT_MAX);
  const last = newest.find((message) => !message.deleted);
  return {
    unreadCount,
    ...(marker ? { readUpTo: marker.messageId } : {}),
    ...(last ? { lastMessage: { id: last.id, sender: last.sender, excerpt: messageExcerpt(last.html), createdAt: last.createdAt } } : {}),
  };
}
