import type { ReactionTargetInfo, ReactionTargets } from "../reactions/ReactionTargets.js";
import type { BlogRepository } from "./Blog.js";
import { asCommentId, asPostId } from "../ids.js";
import type { CommentRepository } from "./Comment.js";
import { postReaders, postVisibleTo, type Post, type PostRepository } from "./Post.js";
import type { PersonId } from "../people/Person.js";

/**
 * Reaction targets for posts and comments: live ones on posts the reader may see (drafts only
 * by their owner). Reactions are announced to the post's author, and on a comment to its author
 * too, as far as they may read the post now. People the blog's owner blocked from commenting may
 * not add reactions there either.
 */
export function blogReactionTargets(deps: {
  blogs: Pick<BlogRepository, "get">;
  posts: Pick<PostRepository, "get">;
  comments: Pick<CommentRepository, "get">;
}): {
  post: ReactionTargets;
  comment: ReactionTargets;
} {
  const target = async (post: Post, reader: PersonId, audience: PersonId[]): Promise<ReactionTargetInfo> => {
    const blocked = reader !== post.blog && (await deps.blogs.get(post.blog))?.blockedCommenters?.includes(reader);
    return { audience: postReaders(post, audience), ...(blocked ? { refusesNew: "the blog's owner does not take reactions from you" } : {}) };
  };
  return {
    post: {
      async find(id, reader) {
        const post = await deps.posts.get(asPostId(id));
        return post && postVisibleTo(post, reader) ? target(post, reader, [post.author]) : undefined;
      },
    },
    comment: {
      async find(id, reader) {
        const comment = await deps.comments.get(asCommentId(id));
        if (!comment || comment.deleted) return undefined;
        const post = await deps.posts.get(comment.postId);
        return post && postVisibleTo(post, reader) ? target(post, reader, [comment.author, post.author]) : undefined;
      },
    },
  };
}
