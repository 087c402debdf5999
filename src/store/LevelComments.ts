import type { CommentId, PostId } from "../platform/ids.js";
import { COMMENT_PARTICIPANTS_KEPT, type Comment, type CommentDeleter, type CommentPage, type CommentRepository, type CommentStats } from "../platform/blogs/Comment.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, decodeThreadCursor, encodeCursor, prefixRange, splitKey, SUBLEVELS, threadPath, threadRepliesRange } from "./keys.js";

/** The stored record: the comment and its place in the thread (never handed out). */
interface StoredComment extends Comment {
  threadPath: string;
}

const EMPTY_STATS: CommentStats = { count: 0, participants: [] };

function toComment(stored: StoredComment): Comment {
  const { threadPath: _, ...comment } = stored;
  return comment;
}

/**
 * Comments by id (tombstones included), a thread index per post whose key order is thread
 * order (see `threadPath`), and per-post stats; each write is one batch.
 */
export class LevelComments implements CommentRepository {
  private readonly comments: JsonSublevel<StoredComment>;
  private readonly threads: JsonSublevel<CommentId>;
  private readonly commentStats: JsonSublevel<CommentStats>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.comments = jsonSublevel<StoredComment>(db, SUBLEVELS.comments);
    this.threads = jsonSublevel<CommentId>(db, SUBLEVELS.commentThreads);
    this.commentStats = jsonSublevel<CommentStats>(db, SUBLEVELS.commentStats);
  }

  async get(id: CommentId): Promise<Comment | undefined> {
    const stored = await this.comments.get(id);
    return stored && toComment(stored);
  }

  create(comment: Comment, events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      if ((await this.comments.get(comment.id)) !== undefined) throw new MirageError(ErrorCodes.conflict, "comment id in use");
      let parentPath: string | undefined;
      if (comment.parentId !== undefined) {
        const parent = await this.comments.get(comment.parentId);
        if (!parent || parent.deleted || parent.postId !== comment.postId) throw new MirageError(ErrorCodes.notFound, "parent comment not found");
        parentPath = parent.threadPath;
      }
      const path = threadPath(parentPath, comment.createdAt, comment.id);
      const stats = await this.stats(comment.postId);
      const participants = stats.participants.includes(comment.author) || stats.participants.length >= COMMENT_PARTICIPANTS_KEPT
        ? stats.participants
        : [...stats.participants, comment.author];
      await this.journal.commit(
        [
          { type: "put", sublevel: this.comments, key: comment.id, value: { ...comment, threadPath: path } },
          { type: "put", sublevel: this.threads, key: compositeKey(comment.postId, path), value: comment.id },
          { type: "put", sublevel: this.commentStats, key: comment.postId, value: { count: stats.count + (comment.deleted ? 0 : 1), participants } },
        ] as BatchOp[],
        events,
      );
    });
  }

  update(comment: Comment, events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      const stored = await this.comments.get(comment.id);
      if (!stored || stored.deleted) throw new MirageError(ErrorCodes.notFound, "comment not found");
      // Only the content changes; the comment's place and authorship are the stored ones.
      const next: StoredComment = { ...stored, body: comment.body, html: comment.html };
      if (comment.editedAt !== undefined) next.editedAt = comment.editedAt;
      await this.journal.commit([{ type: "put", sublevel: this.comments, key: comment.id, value: next } as BatchOp], events);
    });
  }

  remove(id: CommentId, at: number, by: CommentDeleter = "author", events?: JournalRecords): Promise<Comment | undefined> {
    return this.mutex.run(async () => {
      const stored = await this.comments.get(id);
      if (!stored || stored.deleted) return undefined;
      const tombstone: StoredComment = { ...stored, body: "", html: "", deleted: true, deletedAt: at, deletedBy: by };
      const stats = await this.stats(stored.postId);
      const ops: BatchOp[] = [
        { type: "put", sublevel: this.comments, key: id, value: tombstone } as BatchOp,
        { type: "put", sublevel: this.commentStats, key: stored.postId, value: { ...stats, count: Math.max(0, stats.count - 1) } } as BatchOp,
      ];
      // Leave the thread while no replies hang below, and take along deleted ancestors left bare.
      const leaving = new Set<string>();
      let current: StoredComment | undefined = tombstone;
      while (current?.deleted && !(await this.hasRepliesBesides(current, leaving))) {
        const key = compositeKey(current.postId, current.threadPath);
        leaving.add(key);
        ops.push({ type: "del", sublevel: this.threads, key } as BatchOp);
        current = current.parentId === undefined ? undefined : await this.comments.get(current.parentId);
      }
      await this.journal.commit(ops, events);
      return toComment(tombstone);
    });
  }

  /** Runs `fn` with writes held off (a purge reads and writes under it). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /**
   * Batch operations deleting `comment` (or its tombstone) and its thread index entry, its post's
   * count corrected; replies below it keep their own entries. Call inside `withLock`.
   */
  async purgeOps(comment: Comment): Promise<BatchOp[]> {
    const stored = await this.comments.get(comment.id);
    if (!stored) return [];
    const ops: BatchOp[] = [
      { type: "del", sublevel: this.comments, key: stored.id } as BatchOp,
      { type: "del", sublevel: this.threads, key: compositeKey(stored.postId, stored.threadPath) } as BatchOp,
    ];
    if (!stored.deleted) {
      const stats = await this.stats(stored.postId);
      ops.push({ type: "put", sublevel: this.commentStats, key: stored.postId, value: { ...stats, count: Math.max(0, stats.count - 1) } } as BatchOp);
    }
    return ops;
  }

  async thread(postId: PostId, options: { cursor?: string; limit: number }): Promise<CommentPage> {
    const range = prefixRange(postId);
    let lower: { gte: string } | { gt: string } = { gte: range.gte };
    if (options.cursor !== undefined) {
      const position = decodeThreadCursor(options.cursor);
      if (position === undefined) throw new MirageError(ErrorCodes.invalidInput, "invalid cursor");
      lower = { gt: compositeKey(postId, position) };
    }
    const entries = await this.threads.iterator({ ...lower, lt: range.lt, limit: options.limit + 1 }).all();
    const page = entries.slice(0, options.limit);
    const comments = (await this.comments.getMany(page.map(([, id]) => id))).filter((c): c is StoredComment => c !== undefined).map(toComment);
    const last = page.at(-1);
    return { comments, ...(entries.length > options.limit && last ? { next: encodeCursor(splitKey(last[0])[1]!) } : {}) };
  }

  async stats(postId: PostId): Promise<CommentStats> {
    return (await this.commentStats.get(postId)) ?? EMPTY_STATS;
  }

  async statsMany(postIds: readonly PostId[]): Promise<CommentStats[]> {
    if (postIds.length === 0) return [];
    return (await this.commentStats.getMany([...postIds])).map((stats) => stats ?? EMPTY_STATS);
  }

  private async hasRepliesBesides(comment: StoredComment, leaving: ReadonlySet<string>): Promise<boolean> {
    const range = threadRepliesRange(comment.postId, comment.threadPath);
    const keys = await this.threads.keys({ ...range, limit: leaving.size + 1 }).all();
    return keys.some((key) => !leaving.has(key));
  }
}
