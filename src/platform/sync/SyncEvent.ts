/**
 * One change a user should see, as delivered by `GET /api/v1/sync`. Published by the domain
 * service that made the change, after the change is durable, so a client that receives it can
 * read the new state. `data` is the change's public payload (what the HTTP API would return for
 * the resource); it must not carry secrets, since it is shared by every recipient as is.
 */
export interface SyncEvent {
  /** `<noun>.<past-tense verb>`; the core kinds are in {@link SyncEventKinds}, plugins add their own. */
  kind: string;
  /** The room (chat room or blog) the change belongs to, when it belongs to one. */
  roomId?: string;
  data: unknown;
}

/** The kinds the core publishes. Clients ignore kinds they do not know. */
export const SyncEventKinds = {
  messageCreated: "message.created",
  messageEdited: "message.edited",
  messageDeleted: "message.deleted",
  reactionAdded: "reaction.added",
  reactionRemoved: "reaction.removed",
  commentCreated: "comment.created",
  commentEdited: "comment.edited",
  commentDeleted: "comment.deleted",
  membershipChanged: "membership.changed",
  roomCreated: "room.created",
  postPublished: "post.published",
  postEdited: "post.edited",
  postDeleted: "post.deleted",
  profileChanged: "profile.changed",
} as const;

/** The answer to one long-poll. */
export interface SyncBatch {
  /** Oldest first; empty when the poll timed out. Shared between waiters: do not mutate. */
  events: readonly SyncEvent[];
  /** The token to poll with next; it points just after the last event returned. */
  next: string;
}
