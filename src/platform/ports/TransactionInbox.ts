import type { OutboxEntryInput } from "./Outbox.js";

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
  /** Index of the first event not handled yet; events before it were handled. */
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
  /**
   * Records that event `index` of `txnId` is handled, atomically with the outbound
   * messages its handling produced: after a crash, either both happened or neither.
   */
  completeEvent(txnId: string, index: number, effects: readonly OutboxEntryInput[]): Promise<void>;
  /** Records that the transaction's device data was processed and its effects are durable. */
  completeSyncData(txnId: string): Promise<void>;
  /** Marks the whole transaction handled and drops its body. */
  complete(txnId: string, now: number): Promise<void>;
  /** Forgets completed transaction ids older than `before` (the homeserver no longer retries them). */
  prune(before: number): Promise<number>;
}
