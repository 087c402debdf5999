import type { ReactionSummary } from "../reactions/reactionSummaries.js";
import type { CommentId, PostId } from "../ids.js";
import type { JournalRecords } from "../ports/Journal.js";
import type { PersonId } from "../people/Person.js";

/** A comment on a post, possibly a reply to another comment of the same post. */
export interface Comment {
  id: CommentId;
  postId: PostId;
  author: PersonId;
  parentId?: CommentId;
  /** 0 for a top-level comment, parent's + 1 for a reply. */
  depth: number;
  /** Markdown source; empty once deleted. */
  body: string;
  /** Sanitized HTML; empty once deleted. */
  html: string;
  createdAt: number;
  editedAt?: number;
  deleted: boolean;
  deletedAt?: number;
  /** On tombstones: who deleted it, its author or the blog's owner moderating. */
  deletedBy?: CommentDeleter;
}

export type CommentDeleter = "author" | "blogOwner";

/** A comment as one reader gets it. */
export interface CommentView extends Comment, ReactionSummary {}

/** Per post: comments not deleted, and who has commented (for notifications; the first ones kept). */
export interface CommentStats {
  count: number;
  participants: PersonId[];
}

/** Commenters remembered per post; beyond this, new ones are not added to the audience. */
export const COMMENT_PARTICIPANTS_KEPT = 1000;

export interface CommentPage {
  comments: Comment[];
  next?: string;
}

/**
 * Comments with a per-post thread index (thread order: top-level comments oldest first, each
 * followed by its replies in the same order) and per-post stats, written in the same batch (with
 * the `events` describing the change, journaled; none when the write changes nothing).
 */
export interface CommentRepository {
  /** The comment or its tombstone. */
  get(id: CommentId): Promise<Comment | undefined>;
  /** Stores a new comment below its parent; NOT_FOUND if the parent is missing, deleted, or on another post. */
  create(comment: Comment, events?: JournalRecords): Promise<void>;
  /** Replaces a live comment's content; NOT_FOUND if it is missing or deleted. */
  update(comment: Comment, events?: JournalRecords): Promise<void>;
  /**
   * Turns the comment into a tombstone. It stays in the thread while it has replies (so they
   * keep their place); a deleted comment left without replies leaves the thread, and so do
   * deleted ancestors left without replies. Resolves undefined if missing or already deleted.
   * `by` defaults to the author.
   */
  remove(id: CommentId, at: number, by?: CommentDeleter, events?: JournalRecords): Promise<Comment | undefined>;
  /** A page of the post's thread. INVALID_INPUT for a cursor it did not make. */
  thread(postId: PostId, options: { cursor?: string; limit: number }): Promise<CommentPage>;
  stats(postId: PostId): Promise<CommentStats>;
  statsMany(postIds: readonly PostId[]): Promise<CommentStats[]>;
}
