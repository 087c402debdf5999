
/** A room event on its way into its room's lane. */
export interface RoomLaneInput {
  roomId: string;
  event: Record<string, unknown>;
}

/** A homeserver → appservice transaction body, as received (validated for shape only). */
export interface AppserviceTransaction {
  events: Record<string, unknown>[];
  ephemeral?: Record<string, unknown>[];
  /** Any other (unstable) keys the homeserver sent, kept verbatim for the crypto layer. */
  [key: string]: unknown;
}

/** A transaction that was acknowledged but whose events are not all handled yet. */
export interface PendingTransaction {
  txnId: string;
  body: AppserviceTransaction;
  /** Index of the first event not handled yet (stores written before lanes existed may have handled some). */
  nextEvent: number;
  /** The transaction's device data (to-device messages, device lists, key counts) was handed to the crypto layer. */
  syncDataHandled: boolean;
  receivedAt: number;
}

/**
 * Durable inbox of homeserver transactions. A transaction is acknowledged only after
 * `accept` resolves, so nothing acknowledged is ever lost; replays are no-ops.
 */
export interface TransactionInbox {
  /**
   * Persists a transaction unless one with the same id was already accepted.
   * Resolves true when it is new, false for a duplicate. Safe to call concurrently.
   */
  accept(txnId: string, body: AppserviceTransaction, now: number): Promise<boolean>;
  /** Pending transactions, oldest first. */
  pending(): Promise<PendingTransaction[]>;
  /** How many transactions are pending (cheap: reads the index only). */
  pendingCount(): Promise<number>;
  /** Records that the transaction's device data was processed and its effects are durable. */
  completeSyncData(txnId: string): Promise<void>;
  /**
   * Moves the transaction's room events into their rooms' lanes and marks the transaction
   * handled (dropping its body), in one batch: after a crash either every event is in its
   * lane and the transaction is done, or neither; a second call for a done transaction is a no-op.
   */
  fanOut(txnId: string, events: readonly RoomLaneInput[], now: number): Promise<void>;
  /** Forgets completed transaction ids older than `before` (the homeserver no longer retries them). */
  prune(before: number): Promise<number>;
}
