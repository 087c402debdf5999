import type { Message } from "../chat/Room.js";
import type { MessageId } from "../ids.js";
import type { JournalRecords } from "./Journal.js";

/** What a purge removed: the message as it was and the Matrix events that stood for it and its reactions. */
export interface PurgedMessage {
  message: Message;
  /** Matrix event IDs of the message and of the reactions on it that reached Matrix (their links are gone with the purge). */
  matrixEventIds: string[];
}

/**
 * Deletes every stored copy of a message, for messages that must leave no trace (disappearing
 * messages). Unlike a deletion, which keeps a tombstone, nothing of the message stays.
 */
export interface MessagePurge {
  /**
   * In one batch: the message record and its timeline and thread index entries (its thread's
   * summary corrected), the reactions on it (counts and per-person index included), the ID-mapping
   * links of the message and of those reactions (both directions), queued outbox sends not yet
   * carried out that would show it or them in Matrix (with their pending failure reports and dead
   * letters), the journal entries of reactions on it (they carry the reactions' keys), and writes
   * the journal entries `events(purged)` returns. Resolves undefined, writing
   * nothing, when the message does not exist (a purge run again after it completed).
   */
  purge(messageId: MessageId, events: (purged: PurgedMessage) => JournalRecords): Promise<PurgedMessage | undefined>;
  /**
   * Asks for the deleted data to leave the store's files (compaction). Coalesced and run in the
   * background: calls while one runs share the next run. Resolves when a compaction that started
   * after the call finished; a store without compaction resolves at once. The store compacts once
   * more a little later, for copies that were in flight at the purge (the homeserver's echo of a
   * send passes through the inbox).
   */
  compact(): Promise<void>;
}
