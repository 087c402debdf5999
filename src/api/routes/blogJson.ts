import type { BlogView } from "../../platform/blogs/Blog.js";
import type { CommentView } from "../../platform/blogs/Comment.js";
import type { PostView } from "../../platform/blogs/Post.js";

const iso = (ms: number) => new Date(ms).toISOString();

/** The API's JSON for blogs, posts and comments (times as ISO 8601). */
export function blogJson(blog: BlogView) {
  return { ...blog };
}

export function postJson(post: PostView) {
  return {
    id: post.id,
    blog: post.blog,
    author: post.author,
    title: post.title,
    slug: post.slug,
    body: post.body,
    html: post.html,
    tags: post.tags,
    published: post.published,
    commentsOpen: post.commentsOpen,
    createdAt: iso(post.createdAt),
    updatedAt: iso(post.updatedAt),
    ...(post.publishedAt !== undefined ? { publishedAt: iso(post.publishedAt) } : {}),
    reactions: post.reactions,
    myReactions: post.myReactions,
    commentCount: post.commentCount,
  };
}

export function commentJson(comment: CommentView) {
  return {
    id: comment.id,
    postId: comment.postId,
    author: comment.author,
    ...(comment.parentId !== undefined ? { parentId: comment.parentId } : {}),
    depth: comment.depth,
    body: comment.body,
    html: comment.html,
    createdAt: iso(comment.createdAt),
    ...(comment.editedAt !== undefined ? { editedAt: iso(comment.editedAt) } : {}),
    deleted: comment.deleted,
    ...(comment.deletedBy !== undefined ? { deletedBy: comment.deletedBy } : {}),
    reactions: comment.reactions,
    myReactions: comment.myReactions,
  };
}
