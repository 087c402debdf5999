import type { ReactionSummary } from "../reactions/reactionSummaries.js";
import type { BlogStats } from "./Blog.js";
import type { PostId } from "../ids.js";
import type { JournalRecords } from "../ports/Journal.js";
import type { PersonId } from "../people/Person.js";

/** A blog post. Deleting leaves a tombstone: the id stays taken, the content and indexes go. */
export interface Post {
  id: PostId;
  /** The owner of the blog it is in. */
  blog: PersonId;
  author: PersonId;
  title: string;
  /** Unique among the blog's live posts; empty on tombstones. */
  slug: string;
  /** Markdown source. */
  body: string;
  /** Sanitized HTML rendered from `body` at write time. */
  html: string;
  tags: string[];
  /** False: a draft, visible only to its owner. */
  published: boolean;
  /** False: no new comments (the owner closed them). Absent on records older than the setting: open. */
  commentsOpen?: boolean;
  createdAt: number;
  updatedAt: number;
  /** When it was first published; kept if it goes back to being a draft. */
  publishedAt?: number;
  deleted: boolean;
  deletedAt?: number;
}

/** A post as one reader gets it. */
export interface PostView extends Post, ReactionSummary {
  commentsOpen: boolean;
  /** Comments not deleted. */
  commentCount: number;
}

/** Where a post sits in its blog's newest-first order: first publication, or creation for drafts. */
export function listedAt(post: Post): number {
  return post.publishedAt ?? post.createdAt;
}

/**
 * Whether `reader` (undefined: anonymous) may see the post, and so its comments and reactions:
 * live, and published or theirs. The one rule for reads and for who hears of changes live.
 */
export function postVisibleTo(post: Post, reader: PersonId | undefined): boolean {
  return !post.deleted && (post.published || (reader !== undefined && (reader === post.blog || reader === post.author)));
}

/** Those of `people` who may see the post now ({@link postVisibleTo}): the live audience of a change to it, its comments or reactions. */
export function postReaders(post: Post, people: Iterable<PersonId>): PersonId[] {
  return [...new Set(people)].filter((person) => postVisibleTo(post, person));
}

export interface PostPage {
  posts: Post[];
  /** Cursor for the next, older page; absent on the last page. */
  next?: string;
}

/**
 * Posts with their indexes: slug per blog, newest-first per blog (all live posts, and
 * published ones only), and the blog's stats, each written in the same batch as the post (and
 * the `events` describing the change, journaled).
 */
export interface PostRepository {
  /** The post or its tombstone. */
  get(id: PostId): Promise<Post | undefined>;
  /** The live post with that slug in the blog. */
  findBySlug(blog: string, slug: string): Promise<Post | undefined>;
  /** Slugs of live posts in the blog equal to `base` or starting with `base-`, to pick a free one. */
  slugsLike(blog: string, base: string): Promise<Set<string>>;
  /** Stores a new post; CONFLICT if its slug is taken in its blog. */
  create(post: Post, events?: JournalRecords): Promise<void>;
  /**
   * Replaces a live post (a tombstone when `post.deleted`), moving its index entries; NOT_FOUND
   * if it is missing or already deleted, CONFLICT if its new slug is taken.
   */
  update(post: Post, events?: JournalRecords): Promise<void>;
  /** Newest first; drafts only when asked. INVALID_INPUT for a cursor it did not make. */
  list(blog: string, options: { includeDrafts: boolean; cursor?: string; limit: number }): Promise<PostPage>;
  /** Published posts of every blog, newest first (by first publication). INVALID_INPUT for a cursor it did not make. */
  listPublished(options: { cursor?: string; limit: number }): Promise<PostPage>;
  stats(blog: string): Promise<BlogStats | undefined>;
}
