/** What to send to Matrix, as queued by a handler. */
export interface OutboxEntryInput {
  /** Matrix user ID to send as (the bot or a ghost). */
  sender: string;
  roomId: string;
  eventType: string;
  /** Present for state events. */
  stateKey?: string;
  content: Record<string, unknown>;
}

export interface OutboxEntry extends OutboxEntryInput {
  /** Unique, ordered; also the Matrix transaction id, so a retried send is not duplicated. */
  id: string;
  createdAt: number;
  /** Failed attempts counted against the retry budget. */
  attempts: number;
  firstFailureAt?: number;
  lastFailureAt?: number;
  /** Not to be sent before this time (backoff after a failure). */
  notBefore?: number;
  /** Short code of the last failure (HTTP status and errcode) — never content. */
  lastError?: string;
}

/** A failed send being recorded. */
export interface SendFailure {
  at: number;
  error: string;
}

/**
 * Durable FIFO of outbound Matrix sends, drained by one worker in order per room: an entry
 * that keeps failing holds only the later entries of its own room, and after its retry
 * budget moves to the dead letters.
 */
export interface Outbox {
  enqueue(entries: readonly OutboxEntryInput[], now: number): Promise<void>;
  /** The oldest entries (after the entry `after`, when given), up to `limit`. */
  peek(limit: number, after?: string): Promise<OutboxEntry[]>;
  remove(id: string): Promise<void>;
  /** Counts a failed attempt and stores when the entry may be tried again. */
  recordFailure(id: string, failure: SendFailure & { notBefore: number }): Promise<void>;
  /** Moves the entry out of the queue into the dead letters in one batch. */
  deadLetter(entry: OutboxEntry, failure: SendFailure): Promise<void>;
  size(): Promise<number>;
}
