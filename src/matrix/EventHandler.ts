import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { RoomEvent } from "./matrixEvent.js";

/** Collects what handling one event wants sent; committed atomically with the event's completion. */
export interface EffectSink {
  send(entry: OutboxEntryInput): void;
}

/**
 * Something that reacts to room events. Called once per event, in order; it may throw a
 * transient error (the event is retried later) — any other error is logged and the event skipped.
 */
export interface EventHandler {
  handle(event: RoomEvent, effects: EffectSink): Promise<void>;
}
