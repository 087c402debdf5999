import type { OutboxOperation } from "../outbox/outboxOperationSchema.js";
import type { MappingLink } from "./IdMapping.js";

export type { OutboxOperation } from "../outbox/outboxOperationSchema.js";

/** What to do on Matrix, as queued by a handler or the bridge: one validated operation. */
export type OutboxEntryInput = OutboxOperation;

/** Bookkeeping the outbox keeps on each queued operation. */
export interface OutboxEntryState {
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

export type OutboxEntry = OutboxOperation & OutboxEntryState;

/** A failed send being recorded. */
export interface SendFailure {
  at: number;
  error: string;
}

/**
 * Why an entry will never be carried out: the homeserver refused it for good (4xx other than
 * 429), its retry budget ran out, a target it needs has no Matrix ID (its own send failed),
 * or it is not a valid operation.
 */
export type PermanentFailureReason = "refused" | "budget" | "unresolved" | "invalid";

export interface PermanentFailure extends SendFailure {
  reason: PermanentFailureReason;
}

/** A dead-lettered entry whose failure is still to be reported to the platform. */
export interface FailureReport {
  entry: OutboxEntry;
  failure: PermanentFailure;
}

/**
 * Durable FIFO of outbound Matrix operations, drained by one worker in order per room: an
 * entry that keeps failing holds only the later entries of its own room, and after its retry
 * budget moves to the dead letters.
 */
export interface Outbox {
  /**
   * Validates every operation (throws `INVALID_INPUT` and stores nothing if one is invalid), then
   * queues them in order. With `receipt`, the receipt is stored in the same batch, so a producer
   * that may run twice for the same cause (a journal consumer after a crash) checks
   * `hasReceipt` first and enqueues once.
   */
  enqueue(entries: readonly OutboxEntryInput[], now: number, receipt?: string): Promise<void>;
  /** Whether an enqueue with this receipt was committed (and its receipt not yet pruned). */
  hasReceipt(receipt: string): Promise<boolean>;
  /** Deletes receipts stored before `before` (ms), at most `limit`; resolves how many went. */
  pruneReceipts(before: number, limit: number): Promise<number>;
  /** The oldest entries (after the entry `after`, when given), up to `limit`. */
  peek(limit: number, after?: string): Promise<OutboxEntry[]>;
  remove(id: string): Promise<void>;
  /**
   * Removes a carried-out entry and records the Matrix IDs it produced, in one batch. Resolves
   * false, recording nothing, when the entry was purged while it was being sent (its message
   * expired): the caller then takes back what it produced.
   */
  complete(id: string, links: readonly MappingLink[]): Promise<boolean>;
  /** Counts a failed attempt and stores when the entry may be tried again. */
  recordFailure(id: string, failure: SendFailure & { notBefore: number }): Promise<void>;
  /**
   * Moves the entry out of the queue into the dead letters, with a failure report pending
   * until `acknowledgeFailure`, in one batch: a crash before the report went out repeats it.
   */
  deadLetter(entry: OutboxEntry, failure: PermanentFailure): Promise<void>;
  /** Failure reports not yet acknowledged, oldest first. */
  pendingFailures(limit: number): Promise<FailureReport[]>;
  acknowledgeFailure(id: string): Promise<void>;
  size(): Promise<number>;
}
