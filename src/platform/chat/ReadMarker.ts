import type { MessageId, RoomId } from "../ids.js";
import type { PersonId } from "../people/Person.js";
import type { JournalRecords } from "../ports/Journal.js";

/**
 * How far a member has read a room: the message and its timeline position. The position is kept
 * with it so the marker still orders (and unread counts still work) once that message is deleted
 * or expired.
 */
export interface ReadMarker {
  roomId: RoomId;
  member: PersonId;
  messageId: MessageId;
  /** The message's `seq` in the room's timeline. */
  seq: number;
  at: number;
}

/**
 * Read markers, one per (room, member). Sending a message moves the sender's marker (written by
 * `MessageRepository.append` in its batch) and leaving or being removed drops it (written by
 * `RoomRepository.setMembership` in its batch); every write of a marker is serialized with these.
 */
export interface ReadMarkerRepository {
  get(roomId: RoomId, member: PersonId): Promise<ReadMarker | undefined>;
  /** Every member's marker in the room. */
  ofRoom(roomId: RoomId): Promise<ReadMarker[]>;
  /**
   * Stores `marker` with `events` in one batch when it is after the stored one (or there is none)
   * and `mayRead` (asked under the lock a departure's marker drop takes, so a member who just left
   * keeps no marker) still holds; resolves false, writing nothing, otherwise.
   */
  advance(marker: ReadMarker, events?: JournalRecords, mayRead?: () => Promise<boolean>): Promise<boolean>;
}
