import type { PlatformRef } from "../../platform/ports/IdMapping.js";
import type { OutboxEntryInput } from "../../platform/ports/Outbox.js";

/** The object whose text an image event follows. */
export type ImageOwner = { kind: "message" | "post" | "comment"; id: string };

/**
 * The mapping reference of the `index`-th image event sent after `owner`'s text. Kind `event`
 * (an event without a platform object of its own), so the inbound side, which resolves only
 * messages, posts, comments and reactions, treats a reaction, reply or redaction aimed at an
 * image as before: not about a platform object. The ID `<kind>:<id>#image-<n>` cannot collide
 * with an imported event's (those are Matrix event IDs, starting with `$`) and stays far below
 * the reference ID limit (platform IDs are short).
 */
export function imageRef(owner: ImageOwner, index: number): PlatformRef {
  return { kind: "event", id: `${owner.kind}:${owner.id}#image-${index}` };
}

/**
 * Redactions of the image events that may have followed `owner`'s text: one per possible image
 * (`max`, as when they were sent). An image never sent (none at that index, skipped, or
 * dead-lettered) has no Matrix ID, which the outbox's redaction takes as nothing to do. The
 * outbox runs a room's operations in order, so an image send queued before these redactions has
 * by then either linked its event (and is redacted) or given up (and is nothing to redact).
 */
export function imageRedactions(owner: ImageOwner, by: { sender: string; room: { kind: "room" | "blog"; id: string } }, max: number): OutboxEntryInput[] {
  return Array.from({ length: Math.max(0, max) }, (_, index) => ({ op: "redact" as const, sender: by.sender, room: by.room, target: imageRef(owner, index) }));
}
