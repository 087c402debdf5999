import type { OutboxEntryInput } from "./Outbox.js";

/** An encrypted event whose keys had not arrived when it was handled. */
export interface ParkedEvent {
  eventId: string;
  roomId: string;
  /** The event as received (still encrypted). */
  event: Record<string, unknown>;
  firstSeen: number;
  attempts: number;
}

/** Encrypted events waiting for their keys; retried until they decrypt or are reported. */
export interface UndecryptableEvents {
  /** Idempotent by event id: a replayed transaction does not park an event twice. */
  park(event: ParkedEvent): Promise<void>;
  list(limit: number): Promise<ParkedEvent[]>;
  recordAttempt(eventId: string): Promise<void>;
  /** Removes the event atomically with queuing what handling (or reporting) it produced. */
  resolve(eventId: string, effects: readonly OutboxEntryInput[]): Promise<void>;
  count(): Promise<number>;
}
