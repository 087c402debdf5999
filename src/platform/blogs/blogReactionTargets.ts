import type { ReactionTargets } from "../reactions/ReactionTargets.js";
import { asCommentId, asPostId } from "./blogIds.js";
import type { CommentRepository } from "./Comment.js";
import { postVisibleTo, type PostRepository } from "./Post.js";

/**
 * Reaction targets for posts and comments: live ones on posts the reader may see (drafts only
 * by their owner). Reactions are announced to the post's author, and on a comment to its author too.
 */
export function blogReactionTargets(deps: { posts: Pick<PostRepository, "get">; comments: Pick<CommentRepository, "get"> }): {
  post: ReactionTargets;
  comment: ReactionTargets;
} {
  return {
    post: {
      async find(id, reader) {
        const post = await deps.posts.get(asPostId(id));
        return post && postVisibleTo(post, reader) ? { audience: [post.author] } : undefined;
      },
    },
    comment: {
      async find(id, reader) {
        const comment = await deps.comments.get(asCommentId(id));
        if (!comment || comment.deleted) return undefined;
        const post = await deps.posts.get(comment.postId);
        return post && postVisibleTo(post, reader) ? { audience: [comment.author, post.author] } : undefined;
      },
    },
  };
}
