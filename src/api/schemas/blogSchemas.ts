import { Type, type Static } from "@sinclair/typebox";
import { COMMENT_ID_PATTERN, POST_ID_PATTERN } from "../../platform/blogs/blogIds.js";
import { MAX_BLOCKED_COMMENTERS } from "../../platform/blogs/BlogService.js";
import { BLOG_LIMITS } from "../../platform/blogs/contentRules.js";
import { Handle } from "./identifierSchemas.js";
import { SLUG_PATTERN } from "../../platform/blogs/slugify.js";
import { ReactionCounts } from "./reactionSchemas.js";
import { PersonProfile } from "./personSchemas.js";

const time = (description?: string) => Type.String({ format: "date-time", ...(description ? { description } : {}) });
const Title = Type.String({ minLength: 1, maxLength: BLOG_LIMITS.titleChars });
const slug = (description?: string) =>
  Type.String({ minLength: 1, maxLength: BLOG_LIMITS.slugChars, pattern: SLUG_PATTERN, ...(description ? { description } : {}) });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: BLOG_LIMITS.tagChars }), { maxItems: BLOG_LIMITS.tags });
const PostBody = Type.String({ minLength: 1, maxLength: BLOG_LIMITS.postBodyChars, description: "Markdown." });
const CommentBody = Type.String({ minLength: 1, maxLength: BLOG_LIMITS.commentBodyChars, description: "Markdown." });
const Cursor = Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: "`next` of the previous page." }));
const Next = Type.Union([Type.String(), Type.Null()], { description: "Cursor for the next page; null on the last page." });

export const Blog = Type.Object(
  {
    owner: Type.String({ description: "A Mirage account name or a Matrix user ID." }),
    ownerProfile: Type.Ref(PersonProfile),
    title: Type.String({ description: "Defaults to the owner's display name." }),
    description: Type.String(),
    postCount: Type.Integer({ description: "Published posts." }),
    draftCount: Type.Optional(Type.Integer({ description: "Only for the owner." })),
    blockedCommenters: Type.Optional(Type.Array(Type.String(), { description: "Only for the owner: people who may not comment." })),
  },
  { $id: "Blog" },
);

export const BlogPatch = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Type.String({ maxLength: BLOG_LIMITS.descriptionChars })),
    blockedCommenters: Type.Optional(
      Type.Array(Type.Ref(Handle), {
        maxItems: MAX_BLOCKED_COMMENTERS,
        description: "Replaces the list of people who may not comment on your posts: alice, @bob:example.org or bob@example.org.",
      }),
    ),
  },
  { $id: "BlogPatch", additionalProperties: false, minProperties: 1 },
);
export type BlogPatchT = Static<typeof BlogPatch>;

export const Post = Type.Object(
  {
    id: Type.String(),
    blog: Type.String({ description: "The blog's owner." }),
    author: Type.String(),
    authorProfile: Type.Ref(PersonProfile),
    title: Type.String(),
    slug: Type.String({ description: "Unique in the blog; the page is /@{blog}/{slug}." }),
    body: Type.String({ description: "Markdown source." }),
    html: Type.String({ description: "Sanitized HTML rendered from the Markdown." }),
    tags: Type.Array(Type.String()),
    published: Type.Boolean({ description: "False: a draft, visible only to the owner." }),
    commentsOpen: Type.Boolean({ description: "False: the owner closed the post to new comments." }),
    createdAt: time(),
    updatedAt: time(),
    publishedAt: Type.Optional(time("First publication; orders the blog.")),
    reactions: Type.Ref(ReactionCounts),
    myReactions: Type.Array(Type.String()),
    commentCount: Type.Integer(),
  },
  { $id: "Post" },
);

export const PostCreate = Type.Object(
  {
    title: Title,
    body: PostBody,
    tags: Type.Optional(Tags),
    published: Type.Optional(Type.Boolean({ description: "Default true; false saves a draft." })),
    slug: Type.Optional(slug("Default: from the title, with -2, -3, … if taken. A taken slug given here is a conflict.")),
    commentsOpen: Type.Optional(Type.Boolean({ description: "Default true; false takes no comments." })),
  },
  { $id: "PostCreate", additionalProperties: false },
);
export type PostCreateT = Static<typeof PostCreate>;

export const PostPatch = Type.Object(
  {
    title: Type.Optional(Title),
    body: Type.Optional(PostBody),
    tags: Type.Optional(Tags),
    published: Type.Optional(Type.Boolean()),
    slug: Type.Optional(slug("The slug stays when the title changes, unless a new one is given here.")),
    commentsOpen: Type.Optional(Type.Boolean({ description: "Open or close the post to new comments." })),
  },
  { $id: "PostPatch", additionalProperties: false, minProperties: 1 },
);
export type PostPatchT = Static<typeof PostPatch>;

export const PostPage = Type.Object({ posts: Type.Array(Type.Ref(Post)), next: Next }, { $id: "PostPage" });

export const Comment = Type.Object(
  {
    id: Type.String(),
    postId: Type.String(),
    author: Type.String({ description: "A Mirage account name or a Matrix user ID." }),
    authorProfile: Type.Ref(PersonProfile),
    parentId: Type.Optional(Type.String({ description: "The comment this replies to." })),
    depth: Type.Integer({ description: "0 for top-level comments; parent's + 1 for replies." }),
    body: Type.String({ description: "Markdown source; empty once deleted." }),
    html: Type.String({ description: "Sanitized HTML; empty once deleted." }),
    createdAt: time(),
    editedAt: Type.Optional(time()),
    deleted: Type.Boolean({ description: "A tombstone kept so its replies keep their place." }),
    deletedBy: Type.Optional(Type.Union([Type.Literal("author"), Type.Literal("blogOwner")], { description: "On tombstones: its author, or the blog's owner moderating." })),
    reactions: Type.Ref(ReactionCounts),
    myReactions: Type.Array(Type.String()),
  },
  { $id: "Comment" },
);

export const CommentCreate = Type.Object(
  { body: CommentBody, parentId: Type.Optional(Type.String({ pattern: COMMENT_ID_PATTERN, description: "Reply to this comment of the same post." })) },
  { $id: "CommentCreate", additionalProperties: false },
);
export type CommentCreateT = Static<typeof CommentCreate>;

export const CommentPatch = Type.Object({ body: CommentBody }, { $id: "CommentPatch", additionalProperties: false });
export type CommentPatchT = Static<typeof CommentPatch>;

export const CommentPage = Type.Object(
  { comments: Type.Array(Type.Ref(Comment), { description: "Thread order: top-level comments oldest first, each followed by its replies." }), next: Next },
  { $id: "CommentPage" },
);

/** Path and query parameters (inline in routes, so OpenAPI lists them as parameters). */
export const OwnerParams = Type.Object({ owner: Type.Ref(Handle) });
export const OwnerSlugParams = Type.Object({ owner: OwnerParams.properties.owner, slug: slug() });
export const PostParams = Type.Object({ postId: Type.String({ pattern: POST_ID_PATTERN }) });
export const CommentParams = Type.Object({ commentId: Type.String({ pattern: COMMENT_ID_PATTERN }) });
export const PostPageQuery = Type.Object(
  { cursor: Cursor, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })) },
  { additionalProperties: false },
);
export const CommentPageQuery = Type.Object(
  { cursor: Cursor, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
);
export type PageQueryT = Static<typeof PostPageQuery>;

export const blogSchemas = [Blog, BlogPatch, Post, PostCreate, PostPatch, PostPage, Comment, CommentCreate, CommentPatch, CommentPage];
