import type { JournalRecords } from "../ports/Journal.js";
import type { PersonId } from "../people/Person.js";

/**
 * A blog's settings. Every person has a blog: a Mirage account's exists with its account, a
 * Matrix user's from its first post or settings change. Without a record, defaults apply.
 */
export interface Blog {
  /** A Mirage account name or a Matrix user ID. */
  owner: PersonId;
  /** Absent: the owner's display name (or Matrix ID). */
  title?: string;
  /** Plain text. */
  description: string;
  /** People (canonical spelling) who may not comment on the blog's posts. */
  blockedCommenters?: PersonId[];
  updatedAt: number;
}

/** Live posts of a blog; kept by the post repository in the same batch as the posts. */
export interface BlogStats {
  published: number;
  drafts: number;
}

/** A blog as readers get it. */
export interface BlogView {
  owner: string;
  title: string;
  description: string;
  /** Published posts. */
  postCount: number;
  /** Present only for the owner. */
  draftCount?: number;
  /** Present only for the owner. */
  blockedCommenters?: PersonId[];
}

/** Blog settings by owner. */
export interface BlogRepository {
  get(owner: PersonId): Promise<Blog | undefined>;
  /** Stores the settings, with the `events` describing the change journaled in the same batch. */
  put(blog: Blog, events?: JournalRecords): Promise<void>;
}
