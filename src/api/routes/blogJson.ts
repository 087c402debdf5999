import type { BlogView } from "../../platform/blogs/Blog.js";
import type { CommentView } from "../../platform/blogs/Comment.js";
import type { PostView } from "../../platform/blogs/Post.js";
import type { PersonProfileJson } from "../profileLookup.js";

/** Who the people a page names are shown as (see `profileLookup`). */
type ProfileOf = (id: string) => PersonProfileJson;

const iso = (ms: number) => new Date(ms).toISOString();

/** The API's JSON for blogs, posts and comments (times as ISO 8601), with the profiles of the people they name. */
export function blogJson(blog: BlogView, profileOf: ProfileOf) {
  return { ...blog, ownerProfile: profileOf(blog.owner) };
}

export function postJson(post: PostView, profileOf: ProfileOf) {
  return {
    id: post.id,
    blog: post.blog,
    author: post.author,
    authorProfile: profileOf(post.author),
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

export function commentJson(comment: CommentView, profileOf: ProfileOf) {
  return {
    id: comment.id,
    postId: comment.postId,
    author: comment.author,
    authorProfile: profileOf(comment.author),
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
