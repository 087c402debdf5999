import { imageEventRef, type ImageOwner } from "../../platform/media/imageEventRef.js";
import type { OutboxEntryInput } from "../../platform/ports/Outbox.js";

export type { ImageOwner } from "../../platform/media/imageEventRef.js";
/** The mapping reference of an image event (see `imageEventRef`). */
export const imageRef = imageEventRef;

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
