/** What is kept about an event that used up its retry budget (listed to admins; no message content). */
export interface DeadLetterSummary {
  /** Short id admins type to retry it. */
  id: string;
  roomId: string;
  eventId: string;
  eventType: string;
  sender: string;
  attempts: number;
  firstFailureAt: number;
  lastFailureAt: number;
  /** HTTP status, errcode or error code of the last failure. */
  error: string;
}

/** Events that kept failing and were set aside so their rooms could go on. */
export interface DeadLetters {
  /** Oldest first, at most `limit`. */
  list(limit: number): Promise<DeadLetterSummary[]>;
  count(): Promise<number>;
  /**
   * Puts the event back at the tail of its room's lane with a fresh budget, in one batch with
   * removing it here. Resolves false when there is no dead letter with that id.
   */
  requeue(id: string): Promise<boolean>;
}
