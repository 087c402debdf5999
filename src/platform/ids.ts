/** Domain identifiers are branded strings: an AccountName cannot be passed where a PostId is meant. */
type Brand<T, B extends string> = T & { readonly __brand: B };

/** A Mirage account name: lowercase, 2–32 of [a-z0-9._-], starting with a letter or digit. */
export type AccountName = Brand<string, "AccountName">;
/** A Matrix user ID, `@localpart:server`; see `people` for parsing it. */
export type MatrixUserId = Brand<string, "MatrixUserId">;
/** A refresh-token family: one login on one device, rotated on every refresh. */
export type SessionId = Brand<string, "SessionId">;
/** A chat room (group or DM): `r_` and 16 base64url characters. */
export type RoomId = Brand<string, "RoomId">;
/** A chat message: `m_` and 16 base64url characters. */
export type MessageId = Brand<string, "MessageId">;
/** A blog post: `p_` and 16 base64url characters. */
export type PostId = Brand<string, "PostId">;
/** A comment on a post: `c_` and 16 base64url characters. */
export type CommentId = Brand<string, "CommentId">;
/** What a reaction can be on. */
export type ReactionTargetId = PostId | CommentId | MessageId;

// Casts, once, where an identifier enters the domain: after a request schema validated it, or
// when the store reads back what it wrote.
export const asAccountName = (name: string) => name as AccountName;
export const asSessionId = (id: string) => id as SessionId;
export const asRoomId = (id: string) => id as RoomId;
export const asMessageId = (id: string) => id as MessageId;
export const asPostId = (id: string) => id as PostId;
export const asCommentId = (id: string) => id as CommentId;
export const asReactionTargetId = (id: string) => id as ReactionTargetId;
