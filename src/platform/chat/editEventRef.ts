import type { PlatformRef } from "../ports/IdMapping.js";

/**
 * The mapping reference of a message's `n`-th edit event (1, 2, …), sent from the web or imported
 * from Matrix: kind `event` (an event without a platform object of its own), so what resolves
 * messages treats it as before. `message:<id>#edit-<n>` cannot collide with an imported event's
 * ID (those start with `$`). Linking each edit lets the message's deletion or expiry find its edits.
 */
export function editEventRef(messageId: string, n: number): PlatformRef {
  return { kind: "event", id: `message:${messageId}#edit-${n}` };
}

/** The references of every edit of a message edited `edits` times: what its deletion redacts and its purge unlinks. */
export function allEditEventRefs(messageId: string, edits: number | undefined): PlatformRef[] {
  return Array.from({ length: edits ?? 0 }, (_, index) => editEventRef(messageId, index + 1));
}
