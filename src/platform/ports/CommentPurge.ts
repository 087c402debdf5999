import type { Comment } from "../blogs/Comment.js";
import type { CommentId } from "../ids.js";
import type { JournalRecords } from "./Journal.js";

/** What a purge removed: the comment as it was and the Matrix events that stood for it and its reactions. */
export interface PurgedComment {
  comment: Comment;
  /** Matrix event IDs of the comment, of the images sent after it and of the reactions on it that reached Matrix. */
  matrixEventIds: string[];
}

/**
 * Deletes every stored copy of a comment (comments on a blog with a timer): unlike a deletion,
 * which may keep a tombstone, nothing of it stays.
 */
export interface CommentPurge {
  /**
   * In one batch: the comment record and its thread index entry (its post's count corrected), the
   * reactions on it, the ID-mapping links of it, its images and those reactions, queued outbox sends
   * that would show them in Matrix (with their failure reports and dead letters), the journal
   * entries of reactions on it, and the journal entries `events(purged)` returns. Resolves
   * undefined, writing nothing, when the comment does not exist (purged already).
   */
  purge(commentId: CommentId, events: (purged: PurgedComment) => JournalRecords): Promise<PurgedComment | undefined>;
  /** As `MessagePurge.compact`: the deleted data leaves the store's files, in the background. */
  compact(): Promise<void>;
}
