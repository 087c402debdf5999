import type { PlatformRef } from "../ports/IdMapping.js";

/**
 * What happened in Mirage, as facts for the sync hub, the Matrix bridge and plugins.
 * Journaled in the batch of the change it describes (see `ports/Journal.ts`), then emitted in
 * memory to wake long-polls; `audience` lists the Mirage accounts who should see it
 * live (room members, a post's author and commenters, …), only among those who may read its
 * target by the rule its read routes apply (`roomRules`, `postVisibleTo`).
 */
export type DomainEvent =
  | { type: "room.created"; roomId: string; by: string }
  | { type: "member.changed"; roomId: string; member: string; membership: "join" | "invite" | "leave" | "ban"; by: string; reason?: string }
  | { type: "message.created"; roomId: string; messageId: string; by: string }
  /** `edit`: which edit it is (1, 2, …), naming its Matrix event (`editEventRef`); absent in entries journaled before edits were counted. */
  | { type: "message.edited"; roomId: string; messageId: string; by: string; edit?: number }
  | { type: "message.deleted"; roomId: string; messageId: string; by: string }
  /**
   * The message expired (disappearing messages): every copy is gone, no tombstone left. `by` is its
   * sender; `matrixEventIds` are the Matrix events of it and of its reactions, for the bridge to
   * redact (their mapping links went with the message).
   */
  | { type: "message.expired"; roomId: string; messageId: string; by: string; matrixEventIds: string[] }
  /** Matrix refused the message for good (`by` is the sender); a fact for web clients, nothing to send to Matrix. */
  | { type: "message.delivery_failed"; roomId: string; messageId: string; by: string }
  /** `member` read the room up to `messageId` (their marker moved forward); `by` is the member. Sending moves the sender's marker without one. */
  | { type: "room.read"; roomId: string; member: string; messageId: string; by: string }
  /** A blog's title or description changed (its settings record written). */
  | { type: "blog.updated"; blog: string; fields: Array<"title" | "description" | "blockedCommenters">; by: string }
  /** `published: false`: created as a draft (absent: published). */
  | { type: "post.created"; blog: string; postId: string; by: string; published?: false }
  /** `published`: present when the edit published (true) or unpublished (false) the post. */
  | { type: "post.edited"; blog: string; postId: string; by: string; published?: boolean }
  | { type: "post.deleted"; blog: string; postId: string; by: string }
  | { type: "comment.created"; postId: string; commentId: string; by: string }
  | { type: "comment.edited"; postId: string; commentId: string; by: string }
  | { type: "comment.deleted"; postId: string; commentId: string; by: string }
  /**
   * The comment expired (its blog's comment timer): every copy is gone, no tombstone left. `by` is
   * its author; `matrixEventIds` are the Matrix events of it, its images and its reactions, to redact.
   */
  | { type: "comment.expired"; postId: string; commentId: string; by: string; matrixEventIds: string[] }
  | { type: "reaction.added"; target: ReactionTarget; key: string; by: string }
  | { type: "reaction.removed"; target: ReactionTarget; key: string; by: string }
  | { type: "profile.changed"; name: string; fields: Array<"displayName" | "avatarUrl" | "bio" | "customHtml" | "customCss">; by: string };

export interface ReactionTarget {
  kind: "post" | "comment" | "message";
  id: string;
  /** The room of a message, for routing. */
  roomId?: string;
}

/**
 * The Matrix event a change was imported from. The journal records the link from the event to
 * `ref` (by default the event itself, kind `event`: an edit, a redaction, a membership change) in
 * the change's batch, so importing the same event again finds it and does nothing; the bridge
 * relay never sends a change with an origin back to Matrix.
 */
export interface MatrixOrigin {
  roomId: string;
  eventId: string;
  /** The platform object the event created (a message, a reaction), linked to the event. */
  ref?: PlatformRef;
  /**
   * Imported from an ephemeral event (a read receipt), which has no event ID of its own: `eventId`
   * names the event it is about, and nothing is linked (importing it again is harmless by itself).
   */
  ephemeral?: true;
}

/** What a write may say about itself beyond its content. */
export interface WriteOptions {
  /** Set by the bridge for what it imports from Matrix. */
  origin?: MatrixOrigin;
}

export interface PublishedEvent {
  event: DomainEvent;
  /** Mirage account names that should see it in their sync stream. */
  audience: readonly string[];
  at: number;
  /** Present when the change was imported from Matrix. */
  origin?: MatrixOrigin;
}

/** Receives domain events; subscribers must not throw (errors are their own to log). */
export type DomainEventListener = (published: PublishedEvent) => void;

/** In-process fan-out of domain events, called by services after their writes are committed (live wake-ups only; consumers that must not miss one read the journal). */
export class DomainEventBus {
  private readonly listeners = new Set<DomainEventListener>();

  subscribe(listener: DomainEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: DomainEvent, audience: readonly string[], at = Date.now()): void {
    this.publish([{ event, audience, at }]);
  }

  /** Emits events as they were journaled, in order. */
  publish(events: readonly PublishedEvent[]): void {
    for (const published of events) for (const listener of this.listeners) listener(published);
  }
}
