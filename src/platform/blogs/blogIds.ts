type Brand<T, B extends string> = T & { readonly __brand: B };

/** A blog post: `p_` and 16 base64url characters. */
export type PostId = Brand<string, "PostId">;
/** A comment on a post: `c_` and 16 base64url characters. */
export type CommentId = Brand<string, "CommentId">;

export const asPostId = (id: string) => id as PostId;
export const asCommentId = (id: string) => id as CommentId;

/** What valid post and comment ids look like, for request schemas. */
export const POST_ID_PATTERN = "^p_[A-Za-z0-9_-]{16}$";
export const COMMENT_ID_PATTERN = "^c_[A-Za-z0-9_-]{16}$";
