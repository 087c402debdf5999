import type { PlatformRef } from "../ports/IdMapping.js";

/** The object whose text an image event follows. */
export type ImageOwner = { kind: "message" | "post" | "comment"; id: string };

/** Most image events one text is followed by (`images.maxPerMessage` allows no more). */
export const MAX_IMAGE_EVENTS = 20;

/**
 * The mapping reference of the `index`-th image event sent after `owner`'s text. Kind `event`
 * (an event without a platform object of its own), so the inbound side, which resolves only
 * messages, posts, comments and reactions, treats a reaction, reply or redaction aimed at an
 * image as before: not about a platform object. The ID `<kind>:<id>#image-<n>` cannot collide
 * with an imported event's (those are Matrix event IDs, starting with `$`) and stays far below
 * the reference ID limit (platform IDs are short).
 */
export function imageEventRef(owner: ImageOwner, index: number): PlatformRef {
  return { kind: "event", id: `${owner.kind}:${owner.id}#image-${index}` };
}

/** Every reference an image event after `owner`'s text may have: what a purge of `owner` unlinks. */
export function allImageEventRefs(owner: ImageOwner): PlatformRef[] {
  return Array.from({ length: MAX_IMAGE_EVENTS }, (_, index) => imageEventRef(owner, index));
}
