import type { PublishedEvent } from "../events/DomainEvent.js";

/**
 * The domain events a repository write commits along with its change: each becomes a journal
 * entry in the write's batch, or none does. Empty when the write changed nothing.
 */
export type JournalRecords = readonly PublishedEvent[];

/** A committed domain event, with its audience and time as they were at the change. */
export interface JournalEntry extends PublishedEvent {
  /** 1, 2, 3, … in commit order, without gaps (but where a purge removed entries: see `MessagePurge`). */
  position: number;
}

/** Where a consumer stands: the last position it is done with, and the failures of the entry after it. */
export interface JournalCursor {
  position: number;
  /** Failed attempts at the entry after `position`, counted against the consumer's retry budget. */
  attempts: number;
  firstFailureAt?: number;
  /** Not to be tried again before this time (backoff after a failure). */
  notBefore?: number;
}

/** A dead-lettered entry an admin put back for one consumer, with its fresh budget's failures. */
export interface JournalRetry {
  entry: JournalEntry;
  attempts: number;
  firstFailureAt?: number;
  notBefore?: number;
}

/** A failure that used up a consumer's retry budget on one entry. */
export interface JournalFailure {
  at: number;
  /** Short code of the last failure (error code, status) — never content. */
  error: string;
}

/**
 * The durable domain journal. Repositories append to it in the batch of the change each entry
 * describes (positions are assigned at commit, so they are gap-free and in commit order).
 * Consumers read it from their own persisted cursor; entries every registered consumer has
 * passed are pruned.
 */
export interface Journal {
  /** Entries after `after`, oldest first, at most `limit`. */
  read(after: number, limit: number): Promise<JournalEntry[]>;
  /** Position of the last committed entry (0 before the first); survives pruning. */
  head(): Promise<number>;
  /** The consumer's cursor; a consumer never seen before starts at 0 (everything still kept). */
  cursor(consumer: string): Promise<JournalCursor>;
  /** Stores the consumer's cursor durably. */
  setCursor(consumer: string, cursor: JournalCursor): Promise<void>;
  /**
   * Moves `entry` into the dead letters (source `journal:<consumer>`) in one batch with moving the
   * consumer's cursor past it (`from: "cursor"`) or removing it from the consumer's retries.
   */
  deadLetter(
    consumer: string,
    entry: JournalEntry,
    failure: JournalFailure & { attempts: number; firstFailureAt: number },
    from: "cursor" | "retry",
  ): Promise<void>;
  /** Entries put back for the consumer (see `DeadLetters.requeue`), oldest first, at most `limit`. */
  retries(consumer: string, limit: number): Promise<JournalRetry[]>;
  /** Stores a retry's failures so far (the budget survives a restart). */
  setRetry(consumer: string, retry: JournalRetry): Promise<void>;
  /** Forgets a retry the consumer handled. */
  completeRetry(consumer: string, position: number): Promise<void>;
  /** Deletes entries at or before `upTo`, oldest first, at most `limit`; resolves how many went. */
  prune(upTo: number, limit: number): Promise<number>;
  /** Calls `listener` after each commit that appended entries (in process); returns the unsubscribe. */
  onCommit(listener: () => void): () => void;
}
