/** What is kept about an event that used up its retry budget (listed to admins; no message content). */
export interface DeadLetterSummary {
  /** Short id admins type to retry it: `e<n>` for a received event, `s<n>` for one of Mirage's sends, `j<n>:<consumer>` for a journal entry. */
  id: string;
  /**
   * `inbox`: an event from the homeserver Mirage could not handle; `outbox`: an operation that
   * failed for good (see `PermanentFailureReason`); `journal:<consumer>`: a domain event that
   * consumer kept failing on.
   */
  source: "inbox" | "outbox" | `journal:${string}`;
  /** The Matrix room, `room:<id>` for an operation whose platform room had no portal yet, or empty for a journal entry about no room. */
  roomId: string;
  /** The received event's ID; empty for a send (it never got one) and a journal entry. */
  eventId: string;
  /** The event type, the operation (`redact`, `membership`, …) for one that is not an event, or the domain event type of a journal entry. */
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
   * Puts it back with a fresh budget, in one batch with removing it here: a received event at
   * the tail of its room's lane; a send under its original id (its Matrix transaction id, so
   * the homeserver drops it if an earlier attempt did arrive), which makes it go out next.
   * Resolves false when there is no dead letter with that id.
   */
  requeue(id: string): Promise<boolean>;
}
