import type { Comment, CommentRepository } from "../platform/blogs/Comment.js";
import type { CommentId } from "../platform/ids.js";

/** Comments read per store call, and at most, to find a thread's latest one. */
const THREAD_SCAN_PAGE = 100;
const THREAD_SCAN_LIMIT = 2000;

/**
 * The post's latest live comment written before `comment` (replies included: in Matrix they are
 * all one thread), for a thread reply's fallback; read from the post's thread at most
 * `THREAD_SCAN_LIMIT` comments far. Undefined when there is none (the fallback names the root).
 * Comments written in the same millisecond count as earlier when they come first in the thread.
 */
export async function latestCommentBefore(comments: Pick<CommentRepository, "thread">, comment: Comment): Promise<CommentId | undefined> {
  let latest: Comment | undefined;
  let cursor: string | undefined;
  let passed = false;
  for (let scanned = 0; scanned < THREAD_SCAN_LIMIT; ) {
    const page = await comments.thread(comment.postId, { limit: THREAD_SCAN_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    for (const candidate of page.comments) {
      if (candidate.id === comment.id) passed = true;
      if (candidate.deleted || candidate.id === comment.id || candidate.createdAt > comment.createdAt || (passed && candidate.createdAt === comment.createdAt)) continue;
      if (!latest || candidate.createdAt >= latest.createdAt) latest = candidate;
    }
    scanned += page.comments.length;
    if (page.next === undefined) break;
    cursor = page.next;
  }
  return latest?.id;
}
