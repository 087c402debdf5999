/**
 * What a platform object is, as the ID mapping knows it. `event` is a Matrix event imported
 * without an object of its own (an edit, a redaction, a membership change): its ID is the event ID,
 * linked so that importing it again is a no-op; or an event Mirage sent for no object of its own
 * (an image after its text, `<kind>:<id>#image-<n>`, linked so that the text's deletion redacts it).
 */
export type PlatformRefKind = "room" | "blog" | "message" | "post" | "comment" | "reaction" | "member" | "event";

/**
 * A platform object: a room, a blog (its Matrix room; `id` is the owner's person ID), a message,
 * a post, a comment, a reaction, a membership.
 */
export interface PlatformRef {
  kind: PlatformRefKind;
  id: string;
}

/** Which side created the Matrix copy: `platform` (sent by Mirage's outbox) or `matrix` (imported from the homeserver). */
export type LinkOrigin = "platform" | "matrix";

/** One platform object and its Matrix counterpart: a room (room and blog refs) or an event in a room. */
export interface MappingLink {
  ref: PlatformRef;
  roomId: string;
  /** Absent for a room. */
  eventId?: string;
  origin: LinkOrigin;
}

/**
 * Platform references ↔ Matrix IDs, both ways. Written by the outbox in the batch that
 * removes a sent entry (so a Matrix event ID is never lost between the homeserver's answer
 * and the store), and by the inbound side in the batch that applies an event from Matrix.
 *
 * The inbound side calls `byEvent` first for every Matrix event: a hit means the event was
 * already imported (a replay: nothing to do) or was sent by Mirage (origin `platform`: an
 * echo, never imported). The homeserver may deliver Mirage's own event before its link is
 * stored (the send's answer and the appservice transaction race), so echoes are first told
 * apart by their namespaced sender; the mapping is what makes replays no-ops. Linking a reference again replaces its previous Matrix IDs (a
 * re-created portal); the previous event or room no longer resolves to it.
 */
export interface IdMapping {
  /** The Matrix room (and event, for non-room references) of a platform object, if it has one. */
  toMatrix(ref: PlatformRef): Promise<{ roomId: string; eventId?: string } | undefined>;
  /** The platform object a Matrix event stands for, with where it came from. */
  byEvent(eventId: string): Promise<MappingLink | undefined>;
  /** The platform room (kind `room`) or blog (kind `blog`) a Matrix room stands for. */
  byRoom(roomId: string): Promise<PlatformRef | undefined>;
  /** Records links on their own (the outbox and the inbound side use their store's batch instead). */
  link(links: readonly MappingLink[]): Promise<void>;
}

/** `room:abc`, for logs and dead letters (IDs only, never content). */
export function refText(ref: PlatformRef): string {
  return `${ref.kind}:${ref.id}`;
}
