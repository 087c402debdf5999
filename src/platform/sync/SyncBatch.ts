import type { SyncEvent } from "./SyncEvent.js";

/** The answer to one long-poll. */
export interface SyncBatch {
  /** Oldest first; empty when the poll timed out. Shared between waiters: do not mutate. */
  events: readonly SyncEvent[];
  /** The token to poll with next; it points just after the last event returned. */
  next: string;
}
